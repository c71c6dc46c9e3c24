import { stat } from "node:fs/promises";
import { formatNames, getFormat } from "../formats/index.js";
import { openSink, type Sink } from "../jsonl.js";
import type { Profile, TaskRules } from "../profiles/index.js";
import { finding, PrepError, type Finding, type Origin } from "../record.js";
import { lineBatches } from "../sources/lines.js";
import { openBytes } from "../sources/open.js";
import { RecordChecker, recordTexts, type CheckerOptions } from "./checker.js";
import { detectFormat } from "./detect.js";
import { jsonErrorOffset } from "./json-position.js";
import { normalisedDigest, RecordHashes } from "./hashset.js";
import { TokenTally, type TokenStats } from "./stats.js";

export interface ValidateOptions extends CheckerOptions {
  /** Record format; detected from the first record when absent. */
  format?: string;
  /** Count tokens of every record for statistics (slower: exact counting of every record). */
  stats?: boolean;
  /** Epochs for the training-token estimate (default: the model's default epochCount, else 1). */
  epochs?: number;
  /** Write failing lines with their reasons here (JSONL). */
  rejects?: string;
  /** Findings kept in the report (all are counted). */
  keepFindings?: number;
  onFinding?: (f: Finding) => void;
}

export interface FileReport {
  path: string;
  role: "train" | "validation";
  bytes: number;
  lines: number;
  /** Lines that are JSON objects of the format. */
  records: number;
  /** Records with no error finding. */
  valid: number;
  format?: string;
  stats?: TokenStats;
}

export interface ValidationReport {
  model?: { id: string; name: string; task?: string };
  batchSize: number;
  tokenizer: { name: string; exact: boolean; description: string };
  files: FileReport[];
  /** Findings per category: errors and warnings. */
  counts: Record<string, { errors: number; warnings: number }>;
  errors: number;
  warnings: number;
  findings: Finding[];
  findingsDropped: number;
  trainingTokens?: { perEpoch: number; epochs: number; total: number; exact: boolean };
  ok: boolean;
}

function jsonError(e: Error, text: string, origin: Origin): Finding {
  if (text.trim() === "") return finding("json-syntax", "blank line (a JSONL file has one JSON object on every line)", origin);
  const at = jsonErrorOffset(text);
  const col = at >= 0 ? at + 1 : undefined;
  const message = e.message.replace(/ in JSON at position \d+.*$/, "").replace(/, "[^]*" is not valid JSON$/, "");
  return finding("json-syntax", col !== undefined ? `${message} at column ${col}` : message, col !== undefined ? { ...origin, column: col } : origin);
}

/** Stream one JSONL file through the checks. Memory: one chunk of lines plus 12 bytes a record for duplicates. */
async function validateFile(
  path: string,
  role: "train" | "validation",
  checker: RecordChecker,
  opts: ValidateOptions,
  state: { hashes: RecordHashes; trainHashes?: RecordHashes; report: (f: Finding) => void; rejects?: Sink; tally?: TokenTally },
): Promise<FileReport> {
  const bytes = path === "-" ? 0 : (await stat(path).catch(() => undefined))?.size;
  if (bytes === undefined) throw new PrepError(`${path}: no such file`, 2);
  const file: FileReport = { path, role, bytes, lines: 0, records: 0, valid: 0, format: opts.format };
  let formatChecker = checker;
  let planned = false;
  let streamed = 0;
  for await (const batch of lineBatches(await openBytes(path))) {
    for (const line of batch) {
      streamed += line.bytes + 1;
      file.lines = line.n;
      const origin: Origin = { source: path, line: line.n };
      const found: Finding[] = [];
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch (e) {
        found.push(jsonError(e as Error, line.text, origin));
      }
      if (found.length === 0) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          found.push(finding("schema", `expected a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`, origin));
        } else {
          const shape = detectFormat(value);
          if (!file.format) {
            if (!shape) found.push(finding("format", `cannot tell the record format from keys ${Object.keys(value).join(", ") || "(none)"}; expected one of ${formatNames.join(", ")} (or pass --format)`, origin));
            else file.format = shape;
          }
          if (file.format && !planned) {
            planned = true;
            const plan = checker.plan(file.format);
            if ("type" in plan) {
              state.report({ ...plan, origin: { source: path } });
              formatChecker = await RecordChecker.create({ tokenizer: checker.counter.name });
            }
          }
          if (file.format && found.length === 0) {
            if (shape && shape !== file.format) found.push(finding("format", `record looks like ${shape}, but the file is ${file.format}`, origin));
            else found.push(...formatChecker.check(value, file.format, origin));
          }
        }
      }
      const isRecord = found.every((f) => f.reason !== "json-syntax" && f.reason !== "format") && file.format !== undefined && typeof value === "object" && value !== null;
      if (isRecord) {
        file.records++;
        const d = normalisedDigest(line.text);
        const first = state.hashes.add(d, line.n);
        if (first !== undefined) found.push(finding("duplicate", `same record as line ${first} (after whitespace normalisation)`, origin, "warning"));
        if (state.trainHashes) {
          const t = state.trainHashes.get(d);
          if (t !== undefined) found.push(finding("overlap", `also in the training file at line ${t}`, origin, "warning"));
        }
      }
      const bad = found.some((f) => f.severity === "error");
      if (isRecord && !bad) {
        file.valid++;
        if (state.tally) {
          const { input, output } = recordTexts(getFormat(file.format!), value);
          state.tally.add(checker.counter.count(input) + (output ? checker.counter.count(output) : 0));
        }
      }
      for (const f of found) state.report(f);
      if (bad && state.rejects) {
        await state.rejects.write({ line: line.n, reasons: found.filter((f) => f.severity === "error").map((f) => `${f.reason}: ${f.message}`), text: line.text });
      }
    }
  }
  if (path === "-") file.bytes = streamed;
  return file;
}

function bound(
  rules: TaskRules | undefined,
  key: "train" | "validation",
  n: number,
  path: string,
  report: (f: Finding) => void,
): void {
  const b = rules?.[key];
  const label = key === "train" ? "training" : "validation";
  if (b?.min && n < b.min.value) report(finding("record-count", `${n} ${label} records; the model needs at least ${b.min.value}${b.min.confirmed ? "" : " (unconfirmed)"}`, { source: path }, b.min.confirmed ? "error" : "warning"));
  if (b?.max && n > b.max.value) report(finding("record-count", `${n} ${label} records; the model takes at most ${b.max.value.toLocaleString("en-US")}${b.max.confirmed ? "" : " (unconfirmed)"}`, { source: path }, b.max.confirmed ? "error" : "warning"));
}

/** Validate a training file (and optionally a validation file) for a model: every finding, with counts and stats. */
export async function validateFiles(files: { train: string; validation?: string }, opts: ValidateOptions = {}): Promise<ValidationReport> {
  const checker = await RecordChecker.create(opts);
  const profile: Profile | undefined = checker.profile;
  const keep = opts.keepFindings ?? 100_000;
  const report: ValidationReport = {
    ...(profile ? { model: { id: profile.id, name: profile.name } } : {}),
    batchSize: checker.batchSize,
    tokenizer: { name: checker.counter.name, exact: checker.counter.exact, description: checker.counter.description },
    files: [],
    counts: {},
    errors: 0,
    warnings: 0,
    findings: [],
    findingsDropped: 0,
    ok: false,
  };
  const add = (f: Finding) => {
    const c = (report.counts[f.reason] ??= { errors: 0, warnings: 0 });
    if (f.severity === "error") {
      c.errors++;
      report.errors++;
    } else {
      c.warnings++;
      report.warnings++;
    }
    if (report.findings.length < keep) report.findings.push(f);
    else report.findingsDropped++;
    opts.onFinding?.(f);
  };
  const rejects = opts.rejects ? openSink(opts.rejects, { inputs: [files.train, ...(files.validation ? [files.validation] : [])] }) : undefined;
  const tally = opts.stats ? new TokenTally() : undefined;
  try {
    const trainHashes = new RecordHashes();
    const train = await validateFile(files.train, "train", checker, opts, { hashes: trainHashes, report: add, rejects, tally });
    train.stats = tally?.stats();
    report.files.push(train);
    if (files.validation) {
      const vtally = opts.stats ? new TokenTally() : undefined;
      const val = await validateFile(files.validation, "validation", checker, opts, { hashes: new RecordHashes(), trainHashes, report: add, rejects, tally: vtally });
      val.stats = vtally?.stats();
      report.files.push(val);
    }
    await rejects?.close();
  } catch (e) {
    await rejects?.abort();
    throw e;
  }

  // File-level rules: record counts and sizes for the task the format implies.
  const [train, val] = report.files;
  const plan = profile && train!.format ? checker.plan(train!.format) : undefined;
  const task = plan && !("type" in plan) ? plan.task : undefined;
  if (profile && task) {
    report.model!.task = task;
    const rules = profile.tasks[task];
    bound(rules, "train", train!.records, train!.path, add);
    if (val) bound(rules, "validation", val.records, val.path, add);
    const combined = train!.records + (val?.records ?? 0);
    if (rules?.combinedMax && combined > rules.combinedMax.value) add(finding("record-count", `${combined.toLocaleString("en-US")} training + validation records; the model takes at most ${rules.combinedMax.value.toLocaleString("en-US")} together`, { source: train!.path }, rules.combinedMax.confirmed ? "error" : "warning"));
    if (rules?.combinedMin && combined < rules.combinedMin.value) add(finding("record-count", `${combined} training + validation records; the model needs at least ${rules.combinedMin.value}`, { source: train!.path }, rules.combinedMin.confirmed ? "error" : "warning"));
    for (const [f, limit] of [[train, rules?.trainFileBytes], [val, rules?.validationFileBytes]] as const) {
      if (f && limit && f.bytes > limit.value) add(finding("file-size", `${f.path} is ${(f.bytes / 1024 ** 2).toFixed(1)} MiB; the limit is ${(limit.value / 1024 ** 2).toFixed(0)} MiB`, { source: f.path }, limit.confirmed ? "error" : "warning"));
    }
  }
  if (val && train!.format && val.format && val.format !== train!.format) {
    add(finding("format", `validation file is ${val.format} but the training file is ${train!.format}`, { source: val.path }));
  }
  if (train!.stats) {
    const epochs = opts.epochs ?? profile?.hyperparameters.value.epochCount?.default ?? 1;
    report.trainingTokens = { perEpoch: train!.stats.total, epochs, total: train!.stats.total * epochs, exact: checker.counter.exact };
  }
  report.ok = report.errors === 0;
  return report;
}

import { overLimitMessage, RECORD_LIMITS } from "../formats/limits.js";
import { formatNames, type FormatName } from "../formats/index.js";
import { openSink, type Sink } from "../jsonl.js";
import type { Profile, TaskRules } from "../profiles/index.js";
import { availableParallelism } from "node:os";
import { finding, PrepError, type Finding } from "../record.js";
import { WorkerGone } from "../workers/channel.js";
import { utf16WithoutBom } from "../sources/encoding.js";
import { splitLines } from "../sources/lines.js";
import { createHash } from "node:crypto";
import { sizeOf } from "../sources/open.js";
import { SlotReader } from "../sources/slots.js";
import { FIELDS, firstFormat, type BatchResult, type BatchSetup, type MediaLines } from "./batch.js";
import { RecordChecker, type CheckerOptions } from "./checker.js";
import { RecordHashes } from "./hashset.js";
import { inProcessRunner, workerRunner, type BatchRunner } from "./pool.js";
import { TokenTally, type TokenStats } from "./stats.js";

export interface ValidateOptions extends CheckerOptions {
  /** Record format; detected from the first record when absent. */
  format?: FormatName;
  /** Count tokens of every record for statistics (slower: exact counting of every record). */
  stats?: boolean;
  /** Epochs for the training-token estimate (default: the model's default epochCount, else 1). */
  epochs?: number;
  /** Write failing lines with their reasons here (JSONL). */
  rejects?: string;
  /** Findings kept in the report (all are counted). */
  keepFindings?: number;
  /**
   * A SHA-256 of each file's bytes, computed from the same read that was checked (FileReport.sha256): what is
   * uploaded can be held to exactly what was validated.
   */
  digest?: boolean;
  /**
   * Check only the first N lines of each file (a quick look at a big file). The file-level rules (record counts,
   * file size) need the whole file and are skipped.
   */
  limit?: number;
  onFinding?: (f: Finding) => void;
  /** Told after each batch: bytes of the file read so far, and its size (0 for stdin). */
  onProgress?: (p: { path: string; done: number; total: number }) => void;
  /**
   * Worker threads parsing and checking records while this thread reads and computes duplicate digests (default
   * 1; 0 = one per core). Without an explicit value, files under 4 MB are checked in this thread alone.
   */
  jobs?: number;
}

export interface FileReport {
  /** With ValidateOptions.digest: the SHA-256 (hex) of the bytes read and checked, when the whole file was read. */
  sha256?: string;
  path: string;
  role: "train" | "validation";
  bytes: number;
  lines: number;
  /** Lines that are JSON objects of the format. */
  records: number;
  /** Records with no error finding. */
  valid: number;
  format?: FormatName;
  stats?: TokenStats;
  /** The first line of a record holding each kind of media (conversation files), for the dataset-wide media rule. */
  media?: MediaLines;
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

const SMALL_FILE = 4 * 1024 * 1024;

/** Stream one JSONL file through the checks, batches checked in parallel and merged in file order. */
async function validateFile(
  path: string,
  role: "train" | "validation",
  checker: RecordChecker,
  opts: ValidateOptions,
  state: { hashes: RecordHashes; trainHashes?: RecordHashes; report: (f: Finding) => void; rejects?: Sink; tally?: TokenTally },
): Promise<FileReport> {
  const bytes = path === "-" ? 0 : await sizeOf(path);
  // Nothing could be checked: exit 3, as for a data command whose every input is missing (the README's exit codes).
  if (bytes === undefined) throw new PrepError(`${path}: ${path.startsWith("s3://") ? "no such object" : "no such file"}`, 3);
  const file: FileReport = { path, role, bytes, lines: 0, records: 0, valid: 0, format: opts.format };
  let streamed = 0;
  let runner: BatchRunner | undefined;
  const inflight: { slot: number; result: Promise<BatchResult>; bytes: number }[] = [];
  // One worker by default (this thread reads and digests, it parses and checks: ~2× one thread, under 200 MB);
  // more workers add ~60 MB each and little speed on two cores. Small files are not worth a worker's start-up.
  // Counting every record's tokens (--stats, a chat template) is the work itself: then one worker per core.
  const counting = !!state.tally || !!checker.template;
  const jobs = opts.jobs === 0 ? availableParallelism() : opts.jobs === undefined && path !== "-" && bytes < SMALL_FILE ? 0 : (opts.jobs ?? (counting ? availableParallelism() : 1));
  const width = jobs > 0 ? jobs * 4 : 1;
  const reader = new SlotReader(width + 2, jobs > 0);

  const merge = async (r: BatchResult) => {
    let extra: Map<number, Finding[]> | undefined;
    const note = (n: number, f: Finding) => {
      extra ??= new Map();
      extra.set(n, [...(extra.get(n) ?? []), f]);
    };
    for (let o = 0; o < r.meta.length; o += FIELDS) {
      const n = r.meta[o]!;
      const flags = r.meta[o + 3]!;
      if (!(flags & 1)) continue;
      file.records++;
      const hi = r.meta[o + 1]!;
      const lo = r.meta[o + 2]!;
      const first = state.hashes.add(hi, lo, n);
      if (first !== undefined) note(n, finding("duplicate", `same record as line ${first} (after whitespace normalisation)`, { source: path, line: n }, "warning"));
      const t = state.trainHashes?.get(hi, lo);
      if (t !== undefined) note(n, finding("overlap", `also in the training file at line ${t}`, { source: path, line: n }, "warning"));
      if (!(flags & 2)) {
        file.valid++;
        state.tally?.add(r.meta[o + 4]!);
      }
    }
    if (r.meta.length) file.lines = Math.max(file.lines, r.meta[r.meta.length - FIELDS]!);
    for (const [k, line] of Object.entries(r.media ?? {}) as [keyof MediaLines, number][]) if (!(file.media ??= {})[k] || line < file.media[k]!) file.media[k] = line;
    if (!r.findings.length && !extra) return;
    // Findings in line order: the batch's own, then duplicate/overlap warnings of the same line.
    let k = 0;
    for (let o = 0; o < r.meta.length; o += FIELDS) {
      const n = r.meta[o]!;
      while (k < r.findings.length && r.findings[k]!.origin.line === n) state.report(r.findings[k++]!);
      for (const f of extra?.get(n) ?? []) state.report(f);
    }
    while (k < r.findings.length) state.report(r.findings[k++]!);
    if (state.rejects) {
      const byLine = new Map<number, string[]>();
      for (const f of r.findings) if (f.severity === "error") byLine.set(f.origin.line!, [...(byLine.get(f.origin.line!) ?? []), `${f.reason}: ${f.message}`]);
      for (const [n, text] of r.rejects) await state.rejects.write({ line: n, reasons: byLine.get(n) ?? [], text });
    }
  };

  // Progress counts the bytes whose checks are done, not the bytes read: with --stats the counting runs behind the
  // reading, and an ETA from the reading said 12 s for a 45 s run.
  let checked = 0;
  // A worker thread that died: the file could not be validated (exit 3), said with its name.
  const unvalidated = (e: unknown): never => {
    throw e instanceof WorkerGone ? new PrepError(`${path}: could not be validated: ${e.message}`, 3) : e;
  };
  const settle = async (b: { slot: number; result: Promise<BatchResult>; bytes: number }) => {
    const r = await b.result.catch(unvalidated);
    reader.release(b.slot);
    await merge(r);
    checked += b.bytes;
    opts.onProgress?.({ path, done: checked, total: bytes });
  };

  try {
    const hash = opts.digest ? createHash("sha256") : undefined;
    let whole = true;
    for await (const batch0 of reader.batches(path, hash && ((b) => hash.update(b)))) {
      let batch = batch0;
      const limited = opts.limit !== undefined && batch.firstLine + (batch.lines ?? 0) - 1 >= opts.limit;
      if (limited) {
        // Keep the first lines up to the limit; the rest of the file is not read.
        const keep = opts.limit! - batch.firstLine + 1;
        let end = -1;
        for (let k = 0; k < keep; k++) end = batch.bytes.indexOf(10, end + 1);
        if (end !== -1) batch = { ...batch, bytes: batch.bytes.subarray(0, end + 1), lines: keep };
      }
      streamed += batch.bytes.byteLength;
      if (!runner) {
        if (reader.bom) state.report(finding("encoding", "the file starts with a UTF-8 byte-order mark, which Bedrock's validators refuse; strip it (e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)", { source: path, line: 1 }));
        const u16 = reader.head && utf16WithoutBom(reader.head);
        if (u16 || (reader.head?.[0] === 0xff && reader.head[1] === 0xfe) || (reader.head?.[0] === 0xfe && reader.head[1] === 0xff)) {
          // Every line would be a syntax error: one finding for the file instead.
          const name = u16 === "utf16be" ? "UTF-16BE" : u16 ? "UTF-16LE" : "UTF-16";
          state.report(finding("encoding", `the file is ${name}${u16 ? " without a byte-order mark (NUL bytes between the characters)" : ""}; Bedrock takes UTF-8 only: convert it (iconv -f ${name} -t UTF-8)`, { source: path }));
          reader.release(batch.slot);
          whole = false;
          break;
        }
        // Tell the format from the first JSON object, once, before batches are handed out.
        if (file.format === undefined) {
          const f = firstFormat(splitLines(batch), checker.formats);
          if (f === "") state.report(finding("format", `cannot tell the record format from the first record's keys; expected one of ${formatNames.join(", ")} (or pass --format)`, { source: path }));
          file.format = f || undefined;
        }
        let formatOnly = false;
        if (file.format) {
          const plan = checker.plan(file.format);
          if ("type" in plan) {
            state.report({ ...plan, origin: { source: path } });
            formatOnly = true;
          }
        }
        const setup: BatchSetup = { source: path, format: file.format ?? "", model: checker.profile?.id, batchSize: checker.batchSize, tokenizer: checker.counter.name, formatOnly, stats: !!state.tally, ...(checker.template ? { chatTemplate: checker.template.name } : {}) };
        runner = jobs > 0 ? await workerRunner(setup, jobs).catch(unvalidated) : await inProcessRunner(setup);
      }
      const result = runner.submit(batch, !!state.rejects);
      result.catch(() => undefined); // settled in order below, where a failure is thrown
      inflight.push({ slot: batch.slot, result, bytes: batch.bytes.byteLength });
      while (inflight.length > width) await settle(inflight.shift()!);
      if (limited) {
        whole = false;
        break;
      }
    }
    while (inflight.length) await settle(inflight.shift()!);
    if (hash && whole) file.sha256 = hash.digest("hex");
  } finally {
    await runner?.end();
  }
  if (path === "-") file.bytes = streamed;
  if (file.lines === 0 && streamed > 0) file.lines = 1;
  return file;
}

/** A training file's own bounds (record counts, file size), for a report that reads the file itself. */
export function trainingFileBounds(rules: TaskRules | undefined, file: Pick<FileReport, "path" | "valid" | "lines" | "records" | "bytes">, report: (f: Finding) => void): void {
  bound(rules, "train", file as FileReport, report);
  if (rules?.combinedMax && file.records > rules.combinedMax.value) report(finding("record-count", `${file.records.toLocaleString("en-US")} training records; the model takes at most ${rules.combinedMax.value.toLocaleString("en-US")} (training and validation together)`, { source: file.path }, rules.combinedMax.confirmed ? "error" : "warning"));
  if (rules?.combinedMin && file.valid < rules.combinedMin.value) report(finding("record-count", `${file.valid} valid training records; the model needs at least ${rules.combinedMin.value} (training and validation together)`, { source: file.path }, rules.combinedMin.confirmed ? "error" : "warning"));
  const limit = rules?.trainFileBytes;
  if (limit && file.bytes > limit.value) report(finding("file-size", `${file.path} is ${(file.bytes / 1024 ** 2).toFixed(1)} MiB; the limit is ${(limit.value / 1024 ** 2).toFixed(0)} MiB`, { source: file.path }, limit.confirmed ? "error" : "warning"));
}

function bound(rules: TaskRules | undefined, key: "train" | "validation", file: FileReport, report: (f: Finding) => void): void {
  const b = rules?.[key];
  const label = key === "train" ? "training" : "validation";
  const origin = { source: file.path };
  // The minimum counts records that pass every check; say so when lines with errors are why it is missed.
  if (b?.min && file.valid < b.min.value) {
    const others = file.lines - file.valid;
    const why = others > 0 && file.lines >= b.min.value ? ` (counting valid records only: ${others} line${others === 1 ? " has" : "s have"} errors reported above)` : "";
    report(finding("record-count", `${file.valid} valid ${label} record${file.valid === 1 ? "" : "s"}${why}; the model needs at least ${b.min.value}${b.min.confirmed ? "" : " (unconfirmed)"}`, origin, b.min.confirmed ? "error" : "warning"));
  }
  if (b?.max && file.records > b.max.value) report(finding("record-count", `${file.records.toLocaleString("en-US")} ${label} records; the model takes at most ${b.max.value.toLocaleString("en-US")}${b.max.confirmed ? "" : " (unconfirmed)"}`, origin, b.max.confirmed ? "error" : "warning"));
}

/** Validate a training file (and optionally a validation file) for a model: every finding, with counts and stats. */
export async function validateFiles(files: { train: string; validation?: string }, opts: ValidateOptions = {}): Promise<ValidationReport> {
  // Rules and report only: records are checked by batch checkers with their own tokenizer.
  const checker = await RecordChecker.create({ ...opts, vocabulary: false });
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
  const rejects = opts.rejects ? openSink(opts.rejects, { inputs: [files.train, ...(files.validation ? [files.validation] : [])], option: "--rejects" }) : undefined;
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

  applyFileRules(report.files, checker, opts, add, report);
  const train = report.files[0];
  if (train!.stats) {
    const epochs = opts.epochs ?? profile?.hyperparameters.value.epochCount?.default ?? 1;
    report.trainingTokens = { perEpoch: train!.stats.total, epochs, total: train!.stats.total * epochs, exact: checker.counter.exact };
  }
  report.ok = report.errors === 0;
  return report;
}

/**
 * The file-level rules (names, record counts, sizes, one format) over files already checked record by record: what
 * a writing command with `--model` adds after its run, from the counts it knows, without reading the files again.
 */
export async function fileRuleFindings(files: FileReport[], opts: ValidateOptions = {}): Promise<{ findings: Finding[]; errors: number; warnings: number; ok: boolean; model?: string }> {
  const checker = await RecordChecker.create({ ...opts, vocabulary: false });
  const findings: Finding[] = [];
  applyFileRules(files, checker, opts, (f) => findings.push(f));
  const errors = findings.filter((f) => f.severity === "error").length;
  return { findings, errors, warnings: findings.length - errors, ok: errors === 0, model: checker.profile?.id };
}

/** Nova's dataset-wide rule: text only, text + image, or text + video — never images in some records and videos in others. */
function mixedMedia(files: FileReport[], profile: Profile | undefined, add: (f: Finding) => void): void {
  const rule = profile?.conversation?.homogeneousMedia;
  if (!rule?.value) return;
  const first = (k: "image" | "video") => files.flatMap((f) => (f.media?.[k] ? [{ path: f.path, line: f.media[k]!, order: files.indexOf(f) }] : [])).sort((a, b) => a.order - b.order || a.line - b.line)[0];
  const image = first("image");
  const video = first("video");
  if (!image || !video) return;
  const [early, late, lateKind, earlyKind] = image.order < video.order || (image.order === video.order && image.line < video.line) ? [image, video, "a video", "images"] : [video, image, "an image", "videos"];
  add(finding("mixed-media", `this record holds ${lateKind}, but the dataset already has ${earlyKind} (first at ${early.path}:${early.line}); ${profile!.id} takes a dataset that is text only, text + image or text + video, never both [${rule.source}]`, { source: late.path, line: late.line }, rule.confirmed ? "error" : "warning"));
}

function applyFileRules(files: FileReport[], checker: RecordChecker, opts: ValidateOptions, add: (f: Finding) => void, report?: ValidationReport): void {
  const profile: Profile | undefined = checker.profile;
  // File-level rules: names, record counts and sizes for the task the format implies.
  const [train, val] = files;
  for (const f of files) {
    if (f.path === "-" || /\.jsonl$/i.test(f.path)) continue;
    const rule = profile?.jsonlName;
    if (profile && !rule?.value) continue;
    add(finding("file-name", `${f.path}: Bedrock takes ${f.role} data as a .jsonl file${f.path.endsWith(".gz") ? " (uncompressed)" : ""}; rename it to end in .jsonl`, { source: f.path }, profile && rule?.confirmed ? "error" : "warning"));
  }
  const plan = profile && train!.format ? checker.plan(train!.format) : undefined;
  const task = plan && !("type" in plan) ? plan.task : undefined;
  if (profile && task && report?.model) report.model.task = task;
  if (profile && task && opts.limit === undefined) {
    const rules = profile.tasks[task];
    bound(rules, "train", train!, add);
    if (val) bound(rules, "validation", val, add);
    if (val && rules?.noValidationSet) add(finding("validation-set", `${rules.noValidationSet.value} [${rules.noValidationSet.source}]`, { source: val.path }, "warning"));
    const combined = train!.records + (val?.records ?? 0);
    if (rules?.combinedMax && combined > rules.combinedMax.value) add(finding("record-count", `${combined.toLocaleString("en-US")} training + validation records; the model takes at most ${rules.combinedMax.value.toLocaleString("en-US")} together`, { source: train!.path }, rules.combinedMax.confirmed ? "error" : "warning"));
    const validCombined = train!.valid + (val?.valid ?? 0);
    if (rules?.combinedMin && validCombined < rules.combinedMin.value) {
      const lines = train!.lines + (val?.lines ?? 0);
      const why = lines >= rules.combinedMin.value ? ` (counting valid records only: ${lines - validCombined} line${lines - validCombined === 1 ? " has" : "s have"} errors reported above)` : "";
      add(finding("record-count", `${validCombined} valid training + validation records${why}; the model needs at least ${rules.combinedMin.value}`, { source: train!.path }, rules.combinedMin.confirmed ? "error" : "warning"));
    }
    for (const [f, limit] of [[train, rules?.trainFileBytes], [val, rules?.validationFileBytes]] as const) {
      if (f && limit && f.bytes > limit.value) add(finding("file-size", `${f.path} is ${(f.bytes / 1024 ** 2).toFixed(1)} MiB; the limit is ${(limit.value / 1024 ** 2).toFixed(0)} MiB`, { source: f.path }, limit.confirmed ? "error" : "warning"));
    }
  }
  mixedMedia(files, profile, add);
  const bound1 = train!.format ? RECORD_LIMITS[train!.format] : undefined;
  if (bound1 && train!.records > bound1.max && opts.limit === undefined) add(finding("record-count", overLimitMessage(bound1, train!.records), { source: train!.path }));
  if (val && train!.format && val.format && val.format !== train!.format) {
    add(finding("format", `validation file is ${val.format} but the training file is ${train!.format}`, { source: val.path }));
  }
}

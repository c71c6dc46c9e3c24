import { statSync } from "node:fs";
import { basename } from "node:path";
import { asFormatName } from "../formats/index.js";
import { rejectedTotal, type Summary } from "../pipeline.js";
import type { Input, OutputFile, PrepareOptions, PrepareResult } from "../prepare.js";
import { shareOf } from "../shard.js";
import { finding, PrepError, type Draft, type Finding, type Row, type SourceItem } from "../record.js";
import { draftFromTemplates } from "../transforms/draft.js";
import { RecordChecker } from "../validate/checker.js";
import { checkShardSplit, selectionOf, shardOf, shardPath, splitOptions, templatesFor, withDedup, type OutputOpts, type TemplateOpts } from "./options.js";
import { Progress } from "./progress.js";
import { report, Reporter } from "./report.js";

export function hubNote(r: PrepareResult): string | undefined {
  if (!r.hub) return undefined;
  const h = r.hub;
  return `(${h.repo}@${h.revision} ${h.commit.slice(0, 10)}${h.from === "parquet" ? ", parquet branch" : ""}; ${h.files.length} file${h.files.length === 1 ? "" : "s"}, ${h.downloaded} downloaded${h.offline ? ", from cache" : ""})`;
}

/** Where a chunk row keeps its text, and the row it came from (its split group). */
const CHUNK_TEXT = "\u0000chunk";
const CHUNK_OF = "\u0000chunk-of";

/** Templated rows → records → JSONL, with findings and the closing summary on stderr. Returns the exit code. */
export async function runTemplated(input: Input, o: OutputOpts & TemplateOpts & Partial<ChunkCliOpts>): Promise<number> {
  const templates = templatesFor(o);
  const plain = draftFromTemplates(templates);
  let render: (row: Row) => Draft | Finding | Promise<Draft | Finding> = plain;
  if (templates.images || templates.video !== undefined || templates.document !== undefined) {
    // Media named by local paths are uploaded (--media-prefix) before the record names them.
    const { MediaUploader } = await import("../media/upload.js");
    const uploader = new MediaUploader(o.mediaPrefix, o.quiet ? undefined : (m) => process.stderr.write(`note: ${m}\n`));
    render = (row) => {
      const d = plain(row);
      return "type" in d ? d : uploader.resolve(d);
    };
  }
  if (o.chatTemplate) {
    // Each conversation as the model's chat template renders it (a record the template refuses is a finding).
    const { loadChatTemplate, draftMessages } = await import("../templates/chat-template.js");
    const template = loadChatTemplate(o.chatTemplate);
    const inner = render;
    render = async (row) => {
      const d = await inner(row);
      if ("type" in d || d.kind !== "chat") return d;
      try {
        return { kind: "text", text: template.render(draftMessages(d)), origin: d.origin };
      } catch (e) {
        return finding("chat-template", (e as Error).message, d.origin);
      }
    };
  }
  if (!o.chunk) {
    const given = (["chunkSize", "chunkOverlap", "maxTokens", "tokenizer"] as const).filter((k) => o[k] !== undefined);
    if (given.length) throw new PrepError(`--${given[0]!.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} sizes chunks: add --chunk`, 2);
    return runRows(input, render, o);
  }
  // --chunk: a long text column is cut like a page stream (size, overlap, hard maximum) instead of rejected.
  if (o.format !== "cpt" && o.format !== "text") throw new PrepError(`--chunk cuts long text into cpt or text records, not ${o.format}`, 2);
  const { chunkPlan } = await import("./documents.js");
  const plan = await chunkPlan({ ...o, format: o.format, chunkUnit: o.chunkUnit ?? "tokens" }, 700);
  const [{ chunkText }, { loadTokenCounter }] = await Promise.all([import("../chunk.js"), import("../tokens/index.js")]);
  const counter = await loadTokenCounter(o.tokenizer ?? plan.profile?.tokenizer ?? "cl100k");
  const opts = { size: plan.size, overlap: plan.overlap, unit: o.chunkUnit ?? ("tokens" as const), maxTokens: plan.maxTokens, counter };
  async function* chunked(rows: AsyncIterable<SourceItem>): AsyncGenerator<SourceItem> {
    for await (const row of rows) {
      if (row.type === "finding") {
        yield row;
        continue;
      }
      const d = plain(row);
      if ("type" in d) {
        yield d;
        continue;
      }
      if (d.kind !== "text") continue; // cpt/text templates make text drafts
      const of = `${row.origin.source}#${row.origin.row ?? row.origin.line ?? ""}`;
      let part = 0;
      for await (const c of chunkText(d.text, opts)) yield { type: "row", values: { ...row.values, [CHUNK_TEXT]: c.text, [CHUNK_OF]: of }, origin: row.origin, ...(part++ ? { part: part - 1 } : {}) };
    }
  }
  // The chunks of one row stay in one split unless --group-by says otherwise.
  return runRows(input, (row) => ({ kind: "text", text: row.values[CHUNK_TEXT] as string, origin: row.origin }), { ...o, transformRows: chunked, groupOf: o.groupBy === undefined ? (row: Row) => row.values[CHUNK_OF] as string : undefined });
}

export interface ChunkCliOpts {
  chunk: boolean;
  chunkSize?: number;
  chunkOverlap?: number;
  chunkUnit: "tokens" | "chars";
  maxTokens?: number;
  tokenizer?: string;
}

/** Rows → drafts → records of `o.format`, with findings and the closing summary on stderr. Returns the exit code. */
export async function runRows(input0: Input, toDraft: (row: Row) => Draft | Finding | Iterable<Draft | Finding> | Promise<Draft | Finding>, o0: OutputOpts & { format: string; transformRows?: PrepareOptions["transformRows"]; groupOf?: (row: Row) => string }): Promise<number> {
  // One task of an array job: its share of the input, written under a shard name with a manifest.
  const shard = shardOf(o0);
  const o = shard ? { ...o0, output: shardPath(o0.output, shard), validationOutput: o0.validationOutput && shardPath(o0.validationOutput, shard), testOutput: o0.testOutput && shardPath(o0.testOutput, shard), rejects: o0.rejects && shardPath(o0.rejects, shard) } : o0;
  const rep = new Reporter(o.maxFindings, o.quiet, new Progress({ quiet: o.quiet, recordsOnStdout: o.output === "-" }));
  const input = withProgress(input0, rep);
  // The model's rules are checked now (usage errors first); its vocabulary loads while the input opens.
  let checker: RecordChecker | undefined;
  const ready = o.model ? (await modelChecker(o.model, o.format, o.batchSize, { deferVocabulary: true })).load.then((c) => (checker = c)) : undefined;
  ready?.catch(() => undefined);
  const split = splitOptions(o);
  checkShardSplit(shard, split, !!o.groupOf);
  const validationOutput = split.validationOutput;
  const { prepare } = await import("../prepare.js");
  report.target = o.report;
  const r = await prepare({
    input,
    format: asFormatName(o.format),
    otherOutputs: [{ option: "--report", path: o.report }],
    toDraft,
    output: o.output,
    rejects: o.rejects,
    limitPolicy: o.limitPolicy,
    ...(await selectionOf(o, o.format)),
    ...split,
    ...(o.groupOf && (split.validationFraction !== undefined || split.testFraction !== undefined) ? { groupOf: split.groupOf ?? o.groupOf } : {}),
    transformRows: o.transformRows,
    shard,
    check: await withDedup(o.dedup, ready ? (record, origin) => checker!.modelFindings(record, o.format, origin) : undefined),
    ready,
    onFinding: rep.finding,
    onProgress: rep.progress,
    onNotice: rep.notice,
  });
  rep.summary(r, undefined, hubNote(r));
  report.add(r, r.outputs, { hub: r.hub });
  if (shard) {
    // This task's own inputs: its share of the files when there were several (the rule prepare applied), else the one.
    const inputs = input0.kind === "files" ? (input0.paths.length > 1 ? shareOf(input0.paths, shard) : input0.paths) : input0.kind === "hub" ? [`hf:${input0.dataset}/${input0.split ?? "train"}`] : (input0.paths ?? []);
    await writeShardManifest(o.output, shard, inputs, r);
  }
  let code = exitCodeOf(r);
  if (o.model) code = Math.max(code, await fileChecks([o.output, validationOutput], o.model, o.batchSize, rep, { format: o.format, outputs: r.outputs }));
  return code;
}

/**
 * The input with hooks that drive the progress line: bytes of the input files against their total size (unknown
 * for stdin), and for a Hub dataset its download, then its files.
 */
function withProgress(input: Input, rep: Reporter): Input {
  const p = rep.progressLine;
  if (!p.enabled) return input;
  let done = 0;
  let total: number | undefined;
  let label = "reading";
  let reading = false;
  let downloadingPath: string | undefined;
  rep.meter = () => reading && p.update(done, rep.counts);
  const onBytes = (n: number) => {
    done += n;
    if (!reading) {
      reading = true;
      p.start(label, total, "bytes");
    }
    p.update(done, rep.counts);
  };
  const sizeOf = (f: string) => (f === "-" ? undefined : statSync(f, { throwIfNoEntry: false })?.size);
  if (input.kind === "files") {
    const sizes = input.paths.map(sizeOf);
    total = sizes.some((x) => x === undefined) ? undefined : sizes.reduce((a, b) => a! + b!, 0);
    label = input.paths.length === 1 ? `reading ${basename(input.paths[0]!)}` : `reading ${input.paths.length} files`;
    return { ...input, table: { ...input.table, onBytes } };
  }
  if (input.kind === "hub") {
    return {
      ...input,
      progress: {
        onFiles: (files) => {
          const sizes = files.map((f) => f.size ?? ("local" in f && typeof f.local === "string" ? sizeOf(f.local) : undefined));
          total = sizes.some((x) => x === undefined) ? undefined : sizes.reduce((a, b) => a! + b!, 0);
          label = `reading ${input.dataset}`;
        },
        onBytes,
        onDownload: (path, d, t) => {
          // A file is downloaded before it is read: the line shows the download, then the reading again.
          if (path !== downloadingPath) {
            downloadingPath = path;
            reading = false;
            p.start(`downloading ${path}`, t, "bytes");
          }
          p.update(d);
        },
      },
    };
  }
  return input;
}

/** `NAME-0000I-of-0000N.manifest.json` beside a shard's output: what it read, wrote and rejected, its digest, done. */
export async function writeShardManifest(output: string, shard: { index: number; count: number; from?: string }, inputs: string[], r: PrepareResult): Promise<void> {
  const { sha256Of } = await import("../outputs/digest.js");
  const { createReadStream } = await import("node:fs");
  const { openSink } = await import("../jsonl.js");
  const outputs = [];
  for (const f of r.outputs) {
    let sha256: string | undefined;
    if (f.path !== "-") {
      // An S3 output is read back: the digest is of what the bucket holds.
      sha256 = await sha256Of(f.path.startsWith("s3://") ? await (await import("../s3/s3.js")).readObject(f.path) : createReadStream(f.path));
    }
    outputs.push({ ...f, ...(sha256 ? { sha256 } : {}) });
  }
  // A task that wrote nothing usable (exit 3) committed no output: it leaves no manifest, so merge calls it incomplete.
  if (r.committed === false) return;
  const { shardRunId } = await import("../ops/shards.js");
  const manifest = {
    shard: { index: shard.index, count: shard.count, ...(shard.from ? { from: shard.from } : {}) },
    run: shardRunId(shard.count),
    inputs,
    ...(r.part ? { part: r.part } : {}),
    ...(r.hub ? { hubFiles: r.hub.files } : {}),
    read: r.read,
    written: r.written,
    rejected: r.rejected,
    warnings: r.warnings,
    outputs,
    completed: true,
  };
  const sink = openSink(output.replace(/\.jsonl$/, "") + ".manifest.json", { option: "--shard manifest" });
  await sink.write(manifest);
  await sink.close();
}

/** 0 all written, 1 some rejected (the rest written), 3 input was read but nothing could be written. */
export function exitCodeOf(r: Summary): number {
  const rejected = rejectedTotal(r);
  if (rejected === 0) return 0;
  return r.written === 0 ? 3 : 1;
}

/** The model's record rules, or a usage error when the model does not take the format. */
export async function modelChecker(model: string, format: string, batchSize?: number): Promise<RecordChecker>;
/** With `deferVocabulary`: the usage checks now, and the checker with its vocabulary as a promise. */
export async function modelChecker(model: string, format: string, batchSize: number | undefined, o: { deferVocabulary: true }): Promise<{ load: Promise<RecordChecker> }>;
export async function modelChecker(model: string, format: string, batchSize?: number, o?: { deferVocabulary: true }): Promise<RecordChecker | { load: Promise<RecordChecker> }> {
  const probe = await RecordChecker.create({ model, batchSize, vocabulary: !o?.deferVocabulary });
  const plan = probe.plan(format);
  if ("type" in plan) throw new PrepError(plan.message, 2);
  return o?.deferVocabulary ? { load: RecordChecker.create({ model, batchSize }) } : probe;
}

/** After writing: the file-level rules (record counts, file size) through the same code as `validate`. */
function countsOf(findings: Finding[]): Record<string, { errors: number; warnings: number }> {
  const c: Record<string, { errors: number; warnings: number }> = {};
  for (const f of findings) {
    const x = (c[f.reason] ??= { errors: 0, warnings: 0 });
    if (f.severity === "error") x.errors++;
    else x.warnings++;
  }
  return c;
}

export async function fileChecks(outputs: (string | undefined)[], model: string, batchSize: number | undefined, rep: Reporter, run?: { format: string; outputs: OutputFile[] }): Promise<number> {
  const [train, validation] = outputs;
  if (!train || train === "-") {
    rep.notice("record-count and file-size rules need a file: run `prep-data validate` on the saved output");
    return 0;
  }
  // After a run that checked every record against the model, only the file rules are left: from the run's counts.
  const written = (["train", "validation"] as const).flatMap((role) => run?.outputs.filter((f) => f.role === role).map((f) => ({ ...f, role })) ?? []);
  const { validateFiles, fileRuleFindings } = await import("../validate/validate.js");
  const files =
    run && written.length === (validation ? 2 : 1)
      ? written.map((f) => ({ path: f.path, role: f.role, bytes: f.bytes, lines: f.records ?? 0, records: f.records ?? 0, valid: f.records ?? 0, format: asFormatName(run.format) }))
      : undefined;
  const r = files ? await fileRuleFindings(files, { model, batchSize }).then((x) => ({ ...x, model: x.model ? { id: x.model } : undefined, counts: countsOf(x.findings) })) : await validateFiles({ train, validation }, { model, batchSize });
  for (const f of r.findings) rep.finding(f);
  report.add({ read: 0, written: 0, rejected: {}, warnings: {}, output: train, elapsedMs: 0 }, [], { fileRules: { model: r.model?.id, ok: r.ok, errors: r.errors, warnings: r.warnings, counts: r.counts } });
  if (!r.ok) rep.notice(`${r.errors} error(s) against ${model}'s dataset rules; the file would be rejected`);
  return r.ok ? 0 : 1;
}


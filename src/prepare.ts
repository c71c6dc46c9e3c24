import { getFormat, type FormatName } from "./formats/index.js";
import { hubConfig, type HubConfig } from "./hub/config.js";
import type { DownloadProgress, ResolvedSplit } from "./hub/dataset.js";
import { checkDistinctOutputs, checkOutputTarget, openSink, type Sink } from "./jsonl.js";
import { runPipeline, type PipelineOptions, type Summary } from "./pipeline.js";
import { RECORD_LIMITS, type LimitPolicy } from "./formats/limits.js";
import { PartsSink } from "./outputs/parts.js";
import { PrepError, type Draft, type Finding, type Origin, type Row, type SourceItem } from "./record.js";
import type { RefineOptions } from "./quality/index.js";
import { shareOf } from "./shard.js";
import type { ShardPart, TableOptions } from "./sources/table.js";
import { draftFromTemplates, type DraftTemplates } from "./transforms/draft.js";

export type Input =
  | { kind: "files"; paths: string[]; table?: TableOptions }
  | { kind: "hub"; dataset: string; split?: string; config?: string; hub?: HubConfig; progress?: InputProgress }
  /** Any source of rows (PDF chunks, converted chats, …). */
  | { kind: "rows"; rows: AsyncIterable<SourceItem>; paths?: string[] };

/** What a Hub input tells about its progress: the split's files (with sizes when listed), bytes read, downloads. */
export interface InputProgress {
  onFiles?: (files: { path: string; size?: number }[]) => void;
  onBytes?: (n: number) => void;
  onDownload?: DownloadProgress;
}

export interface PrepareOptions {
  input: Input;
  /** Record format: instruction, messages, conversation, cpt, text. */
  format: FormatName;
  /** Templates for rows → drafts (ignored when `toDraft` is given). */
  templates?: DraftTemplates;
  toDraft?: (row: Row) => Draft | Finding | Iterable<Draft | Finding> | Promise<Draft | Finding>;
  /** Output path, or `-` for stdout. */
  output: string;
  limit?: number;
  /** A uniform random sample of this many source rows (reservoir, one pass, seeded by `seed`), in input order. */
  sample?: number;
  /** Shuffle the rows (after `sample`), deterministic for `seed`; in bounded memory, spilling to temp files. */
  shuffle?: boolean;
  /** A step between the rows read (sampled, shuffled) and the records: e.g. long texts cut into chunk rows. */
  transformRows?: (rows: AsyncIterable<SourceItem>) => AsyncIterable<SourceItem>;
  /** Opt-in text steps: PII redaction, quality rules, a language allow-list (see DraftRefiner). */
  refine?: RefineOptions;
  filter?: (row: Row) => boolean;
  check?: (record: unknown, origin: Origin) => Finding[];
  /**
   * Awaited once the input is open (a Hub dataset resolved) and before the first record: work that `check` needs
   * and that can overlap the input's round trips, such as loading a tokenizer's vocabulary. A rejection ends the
   * run with nothing written.
   */
  ready?: Promise<unknown>;
  validationFraction?: number;
  validationOutput?: string;
  /** Fraction of records for `testOutput` (train / validation / test by one stable rule). */
  testFraction?: number;
  testOutput?: string;
  /** A row's group (see PipelineOptions.groupOf): one group never lands in two splits. */
  groupOf?: (row: Row) => string;
  seed?: number;
  onFinding?: (f: Finding) => void;
  onWritten?: PipelineOptions["onWritten"];
  onProgress?: (s: Summary) => void;
  onNotice?: (message: string) => void;
  /**
   * Run as one task of an array job: files (or Hub files) by position in the sorted list, or — one input file —
   * every count-th item, starting at index; the other tasks take the rest.
   */
  shard?: { index: number; count: number };
  /** Other files the caller writes in the same run (`--metadata`, `--report`): must differ from the outputs. */
  otherOutputs?: { option: string; path: string | undefined }[];
  /** `--rejects`: every refused row, page or record as a JSON line (see RejectLine); written also when the run fails. */
  rejects?: string;
  /**
   * Files the caller writes beside the records (`--metadata`), opened here after the outputs are checked: each is
   * put in place together with the records, or not at all. `write` is called for each record written.
   */
  sideOutputs?: { option: string; path: string; role: OutputFile["role"]; line: (record: unknown, origin: Origin, index: number, toValidation: boolean) => unknown }[];
  /** See PipelineOptions.commitIf. */
  commitIf?: PipelineOptions["commitIf"];
  /**
   * Over the format's record bound (evaluation ≤ 1,000, distillation ≤ 15,000 prompts): `error` (default) fails the
   * run with nothing committed, `truncate` writes the first ones and refuses the rest, `split` writes
   * NAME-part-0000K.jsonl files within the bound.
   */
  limitPolicy?: LimitPolicy;
}

/** One file a run wrote, for reports. */
export interface OutputFile {
  role: "train" | "validation" | "test" | "metadata" | "rejects";
  path: string;
  bytes: number;
  records?: number;
  /** false: not put in place, the run failed; an existing file of that name was left as it was. */
  committed?: boolean;
}

export interface PrepareResult extends Summary {
  outputs: OutputFile[];
  /** A sharded run over one file: the part of it this task read. */
  part?: ShardPart;
  /** For Hub inputs: the commit read, where it came from, and how many files were downloaded. */
  hub?: Pick<ResolvedSplit, "repo" | "revision" | "commit" | "from" | "downloaded" | "offline"> & { files: string[] };
}

/** Open the rows of an input. Hub datasets are resolved (and cached) first, so errors come before any output. */
export async function openInput(input: Input, onNotice?: (m: string) => void, shard?: { index: number; count: number }): Promise<{ rows: AsyncIterable<SourceItem>; resolved?: ResolvedSplit; paths: string[]; part?: ShardPart }> {
  // Each input kind's readers are loaded when used: a PDF run (rows) needs neither the table parsers nor the Hub
  // client, ~40 ms of compiling at start-up.
  if (input.kind === "files") {
    const { readFiles } = await import("./sources/table.js");
    if (shard && input.paths.length > 1) {
      const own = shareOf(input.paths, shard);
      return { rows: readFiles(own, input.table), paths: own };
    }
    if (shard) {
      // One file: the task's part of it (see TableOptions.shard), filled in once it is opened.
      const part: ShardPart = {};
      return { rows: readFiles(input.paths, { ...input.table, shard, onPart: (p) => Object.assign(part, p) }), paths: input.paths, part };
    }
    return { rows: readFiles(input.paths, input.table), paths: input.paths };
  }
  if (input.kind === "rows") return { rows: shard ? everyNth(input.rows, shard) : input.rows, paths: input.paths ?? [] };
  const { readHubDataset, resolveSplit } = await import("./hub/dataset.js");
  const hub = input.hub ?? hubConfig();
  // datasets' slicing syntax: train[:100], train[10%:20%], train+validation (each part resolved, read and sliced).
  const { parseSplitSpec, needsCount, sliceRows } = await import("./hub/slices.js");
  const parts = input.split !== undefined ? parseSplitSpec(input.split) : undefined;
  const spec = input.split;
  if (parts) {
    const resolvedParts: ResolvedSplit[] = [];
    for (const p of parts) resolvedParts.push(await resolveSplit(input.dataset, { split: p.split, config: input.config, hub, onNotice }));
    input.progress?.onFiles?.(resolvedParts.flatMap((r) => r.files));
    const read = (i: number) => readHubDataset(resolvedParts[i]!, hub, { onBytes: input.progress?.onBytes, onDownload: input.progress?.onDownload });
    async function* sliced(): AsyncGenerator<SourceItem> {
      for (const [i, p] of parts!.entries()) {
        let total: number | undefined;
        if (needsCount(p)) {
          // A percentage or a bound from the end needs the split's row count: counted in a first pass.
          total = 0;
          for await (const r of read(i)) if (r.type !== "finding") total++;
          onNotice?.(`--split ${spec}: ${p.split} has ${total.toLocaleString("en-US")} rows`);
        }
        yield* sliceRows(read(i), p, total);
      }
    }
    return { rows: shard ? everyNth(sliced(), shard) : sliced(), resolved: resolvedParts[0], paths: [] };
  }
  const resolving = resolveSplit(input.dataset, { split: input.split, config: input.config, hub, onNotice });
  // The table readers compile while the Hub answers (the revision check is a round trip this thread waits on).
  import("./sources/table.js").catch(() => undefined);
  const resolved = await resolving;
  if (shard && resolved.files.length > 1) {
    const own = new Set(shareOf(resolved.files.map((f) => f.path), shard));
    resolved.files = resolved.files.filter((f) => own.has(f.path));
  }
  else if (shard) {
    // One file: its byte range or row groups once it is downloaded (see readHubDataset).
    input.progress?.onFiles?.(resolved.files);
    const part: ShardPart = {};
    return { rows: readHubDataset(resolved, hub, { onBytes: input.progress?.onBytes, onDownload: input.progress?.onDownload, shard, onPart: (p) => Object.assign(part, p) }), resolved, paths: [], part };
  }
  input.progress?.onFiles?.(resolved.files);
  return { rows: readHubDataset(resolved, hub, { onBytes: input.progress?.onBytes, onDownload: input.progress?.onDownload }), resolved, paths: [] };
}

/** A uniform sample of n rows (findings pass straight through), in input order, with a note of how many there were. */
async function* sampleRows(src: AsyncIterable<SourceItem>, n: number, seed: number, onNotice?: (m: string) => void): AsyncGenerator<SourceItem> {
  const { sampleInOrder } = await import("./ops/ops.js");
  yield* sampleInOrder(src, n, seed, (x) => x.type !== "finding", (kept, seen) => onNotice?.(`--sample ${n}: ${kept} of ${seen} rows sampled (seed ${seed})`));
}

/** The rows in a seeded random order (findings first, as they come), in bounded memory. */
async function shuffleRows(src: AsyncIterable<SourceItem>, seed: number): Promise<AsyncIterable<SourceItem>> {
  const { shuffleBy } = await import("./ops/shuffle.js");
  return shuffleBy<Row>(src as AsyncIterable<Row | Finding>, seed, {
    encode: (r) => [r.values, r.origin],
    decode: ([values, origin]) => ({ type: "row", values, origin }),
  });
}

/** Every count-th item of a source, starting at index: one task's share when there is one input to divide. */
async function* everyNth<T>(src: AsyncIterable<T>, shard: { index: number; count: number }): AsyncGenerator<T> {
  let i = 0;
  for await (const x of src) if (i++ % shard.count === shard.index) yield x;
}

/** Read an input, turn each row into a record of `format`, check it, and write JSONL atomically. */
export async function prepare(o: PrepareOptions): Promise<PrepareResult> {
  const format = getFormat(o.format);
  const toDraft = o.toDraft ?? (o.templates ? draftFromTemplates(o.templates) : undefined);
  if (!toDraft) throw new PrepError("prepare: give templates or toDraft", 2);
  // Output paths are checked before any input is opened (a Hub download, a PDF extraction): usage errors first.
  const localInputs = o.input.kind === "hub" ? [] : (o.input.paths ?? []);
  const others = [...(o.otherOutputs ?? []), { option: "--rejects", path: o.rejects }, ...(o.sideOutputs ?? [])];
  checkDistinctOutputs([{ option: "-o", path: o.output }, { option: "--validation-output", path: o.validationOutput }, { option: "--test-output", path: o.testOutput }, ...others]);
  if (o.testOutput) checkOutputTarget(o.testOutput, { inputs: localInputs, option: "--test-output" });
  checkOutputTarget(o.output, { inputs: localInputs });
  if (o.validationOutput) checkOutputTarget(o.validationOutput, { inputs: localInputs, option: "--validation-output" });
  for (const x of others) if (x.path !== undefined) checkOutputTarget(x.path, { inputs: localInputs, option: x.option });
  const { rows, resolved, paths, part } = await openInput(o.input, o.onNotice, o.shard);
  const opened: Sink[] = [];
  const open = (path: string, option?: string) => {
    const s = openSink(path, { inputs: paths, option });
    opened.push(s);
    return s;
  };
  let sink: Sink, vsink: Sink | undefined, tsink: Sink | undefined, rsink: Sink | undefined;
  let sides: { sink: Sink; line: NonNullable<PrepareOptions["sideOutputs"]>[number]["line"]; role: OutputFile["role"] }[];
  const limit = RECORD_LIMITS[o.format];
  const policy = o.limitPolicy ?? "error";
  try {
    if (limit && policy === "split") {
      sink = new PartsSink(o.output, limit.max, { inputs: paths });
      opened.push(sink);
    } else sink = open(o.output);
    vsink = o.validationOutput ? open(o.validationOutput, "--validation-output") : undefined;
    tsink = o.testOutput ? open(o.testOutput, "--test-output") : undefined;
    rsink = o.rejects ? open(o.rejects, "--rejects") : undefined;
    sides = (o.sideOutputs ?? []).map((x) => ({ sink: open(x.path, x.option), line: x.line, role: x.role }));
    await o.ready;
  } catch (e) {
    for (const s of opened) await s.abort();
    throw e;
  }
  const sampled = o.sample !== undefined ? sampleRows(rows, o.sample, o.seed ?? 0, o.onNotice) : rows;
  const refiner = o.refine ? await (await import("./quality/index.js")).DraftRefiner.create(o.refine) : undefined;
  const opts: PipelineOptions = {
    source: (o.transformRows ?? ((x: AsyncIterable<SourceItem>) => x))(o.shuffle ? await shuffleRows(sampled, o.seed ?? 0) : sampled),
    refine: refiner ? (d) => refiner.refine(d) : undefined,
    toDraft,
    format,
    sink,
    limit: o.limit,
    filter: o.filter,
    check: o.check,
    validationFraction: o.validationFraction,
    validationSink: vsink,
    testFraction: o.testFraction,
    testSink: tsink,
    groupOf: o.groupOf,
    seed: o.seed,
    onFinding: o.onFinding,
    onWritten: sides.length
      ? async (record, origin, index, toValidation) => {
          for (const x of sides) await x.sink.write(x.line(record, origin, index, toValidation));
          await o.onWritten?.(record, origin, index, toValidation);
        }
      : o.onWritten,
    onProgress: o.onProgress,
    rejects: rsink,
    sideSinks: sides.map((x) => x.sink),
    commitIf: o.commitIf,
    recordLimit: limit && policy !== "split" ? { limit, policy } : undefined,
  };
  const summary = await runPipeline(opts);
  if (refiner && Object.keys(refiner.redacted).length) summary.redacted = { ...refiner.redacted };
  const outputs: OutputFile[] =
    sink instanceof PartsSink ? sink.parts.map((p) => ({ role: "train" as const, ...p })) : [{ role: "train", path: o.output, bytes: sink.bytes ?? 0, records: summary.written - (summary.validation ?? 0) - (summary.test ?? 0) }];
  if (vsink) outputs.push({ role: "validation", path: vsink.path, bytes: vsink.bytes ?? 0, records: summary.validation ?? 0 });
  if (tsink) outputs.push({ role: "test", path: tsink.path, bytes: tsink.bytes ?? 0, records: summary.test ?? 0 });
  for (const x of sides) outputs.push({ role: x.role, path: x.sink.path, bytes: x.sink.bytes ?? 0, records: summary.written });
  if (rsink) outputs.push({ role: "rejects", path: rsink.path, bytes: rsink.bytes ?? 0, records: Object.values(summary.rejected).reduce((a, b) => a + b, 0) });
  if (!summary.committed) for (const f of outputs) if (f.role !== "rejects") Object.assign(f, { bytes: 0, records: 0, committed: false });
  return {
    ...summary,
    outputs,
    ...(part ? { part } : {}),
    ...(resolved
      ? {
          hub: {
            repo: resolved.repo,
            revision: resolved.revision,
            commit: resolved.commit,
            from: resolved.from,
            downloaded: resolved.downloaded,
            offline: resolved.offline,
            files: resolved.files.map((f) => f.path),
          },
        }
      : {}),
  };
}

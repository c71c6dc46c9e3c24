import { basename } from "node:path";
import { finding, PrepError, type Finding, type Origin } from "../record.js";
import { validationPathFor } from "../outputs/paths.js";
import { sizeOf } from "../sources/open.js";
import { runOperation, type OperationOptions, type OperationResult } from "./operation.js";
import type { Sink } from "../jsonl.js";

/**
 * The record operations of the CLI's dedup, sample, shuffle, split and merge, as library functions: typed options,
 * a typed result, and the same guarantees (outputs checked before any work, committed together, nothing replaced
 * when nothing is kept, every refused line listed).
 */

export interface DedupOptions extends OperationOptions {
  /** Also remove near-duplicates at this estimated Jaccard similarity (MinHash). */
  near?: number;
  /** Compare records by this template ({question}, {user}, …) instead of whole. */
  key?: string;
}

export interface SampleOptions extends OperationOptions {
  count: number;
  seed?: number;
}

export interface ShuffleOptions extends OperationOptions {
  seed?: number;
  /** Memory per bucket in MB (default 64). */
  bucketMb?: number;
}

export interface SplitOptions {
  /** Fraction for the validation file (0 < f < 1). */
  validationFraction?: number;
  /** Validation file (default: train → validation in the output's name). */
  validationOutput?: string;
  testFraction?: number;
  testOutput?: string;
  /** A field (or a {template}) whose value keeps records together. */
  groupBy?: string;
  seed?: number;
}

export interface MergeOptions extends OperationOptions, SplitOptions {
  dedup?: "exact" | "near";
  key?: string;
  /** Name each input's records by the file's name in `metadata`. */
  tag?: boolean;
}

/** A --key template as a reader: each record's key text, or a no-key finding for a record that lacks a field it names. */
async function keyReader(template: string | undefined): Promise<((value: Record<string, unknown>, origin: Origin) => string | Finding) | undefined> {
  if (template === undefined) return undefined;
  const { recordKey } = await import("./key.js");
  const key = recordKey(template);
  return (value, origin) => {
    const k = key(value);
    return "text" in k ? k.text : { ...finding("no-key", `the record has no "${k.missing}" for --key ${template}`, origin), raw: value };
  };
}

/** The split of split and merge: files, and where a record goes by the stable coin of its index or group. */
export async function splitPlan(output: string, o: SplitOptions) {
  const vf = o.validationFraction ?? (o.validationOutput ? 0.1 : undefined);
  const tf = o.testFraction ?? (o.testOutput ? 0.1 : undefined);
  if (vf === undefined && tf === undefined) return undefined;
  if ((vf ?? 0) + (tf ?? 0) >= 1 || (vf ?? 0.5) <= 0 || (tf ?? 0.5) <= 0) throw new PrepError("the fractions must be above 0 and add up to less than 1", 2);
  const vpath = vf !== undefined ? (o.validationOutput ?? validationPathFor(output)) : undefined;
  const tpath = tf !== undefined ? (o.testOutput ?? validationPathFor(output, "test")) : undefined;
  const { splitCoin } = await import("../pipeline.js");
  const { Template } = await import("../transforms/template.js");
  const group = o.groupBy === undefined ? undefined : new Template(o.groupBy.includes("{") ? o.groupBy : `{${o.groupBy}}`);
  const seed = o.seed ?? 0;
  /**
   * Where the record with this index (among the records kept) goes; a finding when groupBy names a field the record
   * lacks (splitting it on its own would let its group straddle the splits).
   */
  const route = (value: Record<string, unknown>, index: number, origin: Origin): "train" | "validation" | "test" | Finding => {
    const g = group?.render(value);
    if (g && !("text" in g)) return { ...finding("no-group", `--group-by ${o.groupBy}: the record has no field ${JSON.stringify(g.missing)}`, origin), raw: value };
    const c = splitCoin(index, seed, g && "text" in g ? g.text : undefined);
    if (vf !== undefined && c < vf) return "validation";
    if (tf !== undefined && c >= (vf ?? 0) && c < (vf ?? 0) + tf) return "test";
    return "train";
  };
  return { vf, tf, vpath, tpath, route, extra: [{ option: "--validation-output", path: vpath }, { option: "--test-output", path: tpath }] };
}

/** Write a record to the file of its split (train: the main output), counting validation and test. */
async function writeRouted(to: "train" | "validation" | "test", value: unknown, main: Sink, others: Map<string, Sink>, by: { validation: number; test: number }): Promise<void> {
  if (to === "train") return main.write(value);
  await others.get(to === "validation" ? "--validation-output" : "--test-output")!.write(value);
  by[to]++;
}

/** Remove duplicate records (exact, whitespace-normalised; with `near`, near-duplicates); the first is kept. */
export async function dedupFiles(files: string[], o: DedupOptions): Promise<OperationResult> {
  if (o.near !== undefined && !(o.near > 0 && o.near <= 1)) throw new PrepError("--near takes a similarity between 0 and 1", 2);
  const { readRecords, ExactDuplicates, NearDuplicates, recordText, asLine } = await import("./ops.js");
  const keyOf = await keyReader(o.key);
  return runOperation("dedup", files, o, [], async ({ main, others, counts, remove, reject }) => {
    const exact = new ExactDuplicates();
    // Keys are short (a question): their near-duplicates are compared by word pairs, whole records by 5-word shingles.
    const near = o.near !== undefined ? new NearDuplicates({ threshold: o.near, ...(o.key ? { shingle: 2 } : {}) }) : undefined;
    const rejects = others.get("--rejects");
    if (!near && !keyOf) {
      const { dedupExactLines, worthWorker } = await import("./dedup-exact.js");
      // Exact duplicates of whole records in big local files: read, digested and written in this thread, parsed in a worker.
      if (worthWorker(files)) return dedupExactLines(files, { main, rejects, exact, counts, remove, reject });
    }
    for await (const r of readRecords(files, { raw: true })) {
      counts.read++;
      if (r.type === "finding") {
        await reject(r);
        continue;
      }
      const at = `${r.source}:${r.line}`;
      const key = keyOf?.(r.value, { source: r.source, line: r.line });
      if (key && typeof key !== "string") {
        await reject(key);
        continue;
      }
      // A record's own line is hashed as read (not parsed and serialised again); a key is hashed as its JSON text.
      let kept = key !== undefined ? exact.add(key, at) : r.raw !== undefined || r.text !== undefined ? exact.addText(r.raw ?? r.text!, at) : exact.add(r.value, at);
      let why = kept !== undefined ? "duplicate" : undefined;
      if (!why && near) {
        kept = near.add(key ?? recordText(r.value), at);
        if (kept !== undefined) why = "near-duplicate";
      }
      if (why) {
        remove(why);
        await rejects?.write({ source: r.source, line: r.line, reason: why, kept, ...(key !== undefined ? { key } : {}), record: r.value });
        continue;
      }
      // Kept lines are written as they were read, byte for byte.
      await (main.writeText && r.text !== undefined ? main.writeText(asLine(r.text)) : main.write(r.value));
      counts.written++;
    }
  });
}

/** A uniform sample of `count` records in one pass (reservoir sampling), the same for a seed, in file order. */
export async function sampleFiles(files: string[], o: SampleOptions): Promise<OperationResult> {
  const { readRecords, sampleInOrder } = await import("./ops.js");
  return runOperation("sample", files, o, [], async ({ main, counts, reject }) => {
    let kept = 0;
    let notSampled = 0;
    const done = (k: number, seen: number) => {
      kept = k;
      notSampled = seen - k;
      counts.read += seen;
    };
    for await (const r of sampleInOrder(readRecords(files), o.count, o.seed ?? 0, (x) => x.type === "record", done)) {
      if (r.type === "finding") {
        counts.read++;
        await reject(r);
        continue;
      }
      await main.write(r.value);
    }
    counts.written = kept;
    if (notSampled) counts.removed["not-sampled"] = notSampled;
  });
}

/** Shuffle records, deterministic for a seed, in bounded memory (external shuffle through temp buckets). */
export async function shuffleFiles(files: string[], o: ShuffleOptions): Promise<OperationResult> {
  const [{ readRecords }, { externalShuffle }] = await Promise.all([import("./ops.js"), import("./shuffle.js")]);
  let total = 0;
  for (const f of files) total += (await sizeOf(f)) ?? 0;
  return runOperation("shuffle", files, o, [], async ({ main, counts, reject }) => {
    for await (const r of externalShuffle(readRecords(files), o.seed ?? 0, (o.bucketMb ?? 64) * 1024 * 1024, total)) {
      counts.read++;
      if (r.type === "finding") {
        await reject(r);
        continue;
      }
      await main.write(r.value);
      counts.written++;
    }
  });
}

/** Split a dataset into train (`output`), validation and test files by the data commands' stable rule. */
export async function splitFile(file: string, o: OperationOptions & SplitOptions): Promise<OperationResult & { validation: number; test: number }> {
  const plan = await splitPlan(o.output, o);
  if (!plan) throw new PrepError("split needs --validation-fraction and/or --test-fraction", 2);
  const { readRecords } = await import("./ops.js");
  const by = { validation: 0, test: 0 };
  const r = await runOperation("split", [file], o, plan.extra, async ({ main, others, counts, reject, note }) => {
    for await (const r of readRecords([file])) {
      counts.read++;
      if (r.type === "finding") {
        await reject(r);
        continue;
      }
      const to = plan.route(r.value, r.index, { source: r.source, line: r.line });
      if (typeof to === "object") {
        await reject(to);
        continue;
      }
      await writeRouted(to, r.value, main, others, by);
      counts.written++;
    }
    note(`split: ${counts.written - by.validation - by.test} train, ${by.validation} validation${plan.tpath ? `, ${by.test} test` : ""}`);
  });
  return { ...r, ...by };
}

/**
 * Concatenate datasets of one format, optionally without duplicates across them and split by the stable rule;
 * `metadata` gives each record's origin (and with `tag` its file's name).
 */
export async function mergeFiles(files: string[], o: MergeOptions): Promise<OperationResult & { validation: number; test: number; validationOutput?: string; testOutput?: string }> {
  if (o.dedup !== undefined && o.dedup !== "exact" && o.dedup !== "near") throw new PrepError("--dedup takes exact or near", 2);
  if (o.key !== undefined && o.dedup === undefined) throw new PrepError("--key says what --dedup compares: add --dedup exact or --dedup near", 2);
  const keyOf = await keyReader(o.key);
  const plan = await splitPlan(o.output, o);
  const { readRecords, ExactDuplicates, NearDuplicates, recordText, formatOf } = await import("./ops.js");
  const by = { validation: 0, test: 0 };
  const r = await runOperation("merge", files, o, plan?.extra ?? [], async ({ main, others, counts, remove, reject, note }) => {
    const exact = o.dedup ? new ExactDuplicates() : undefined;
    const near = o.dedup === "near" ? new NearDuplicates(o.key ? { shingle: 2 } : {}) : undefined;
    const meta = others.get("--metadata");
    const rejects = others.get("--rejects");
    let format: string | undefined;
    let formatFrom = "";
    for await (const r of readRecords(files)) {
      counts.read++;
      if (r.type === "finding") {
        await reject(r);
        continue;
      }
      const f = formatOf(r.value);
      if (format === undefined) {
        format = f;
        formatFrom = r.source;
      } else if (f !== format) {
        throw new PrepError(`${r.source}:${r.line}: a ${f ?? "unknown-format"} record, but ${formatFrom} holds ${format} records: merge takes one format`, 2);
      }
      const at = `${r.source}:${r.line}`;
      const key = keyOf?.(r.value, { source: r.source, line: r.line });
      if (key && typeof key !== "string") {
        await reject(key);
        continue;
      }
      const first = exact?.add(key ?? r.value, at);
      const close = first === undefined && near ? near.add(key ?? recordText(r.value), at) : undefined;
      if (first !== undefined || close !== undefined) {
        const reason = first !== undefined ? "duplicate" : "near-duplicate";
        remove(reason);
        await rejects?.write({ source: r.source, line: r.line, reason, kept: first ?? close, ...(key !== undefined ? { key } : {}), record: r.value });
        continue;
      }
      // The stable split over the merged records, as `split` would make it of the merged file.
      const to = plan ? plan.route(r.value, counts.written, { source: r.source, line: r.line }) : "train";
      if (typeof to === "object") {
        await reject(to);
        continue;
      }
      await writeRouted(to, r.value, main, others, by);
      await meta?.write({ record: counts.written, source: r.source, line: r.line, ...(to !== "train" ? { split: to } : {}), ...(o.tag ? { tag: basename(r.source).replace(/\.jsonl$/, "") } : {}) });
      counts.written++;
    }
    if (plan) note(`merge: ${counts.written - by.validation - by.test} train, ${by.validation} validation${plan.tpath ? `, ${by.test} test` : ""}`);
  });
  return { ...r, ...by, ...(plan?.vpath ? { validationOutput: plan.vpath } : {}), ...(plan?.tpath ? { testOutput: plan.tpath } : {}) };
}

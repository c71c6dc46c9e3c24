import { checkRecord, RecordIssue, type Format } from "./formats/index.js";
import type { Sink } from "./jsonl.js";
import { overLimitMessage, type RecordLimit } from "./formats/limits.js";
import { rejectLine } from "./outputs/rejects.js";
import { finding, PrepError, type Draft, type Finding, type Origin, type Row, type SourceItem } from "./record.js";

/** Counts every run ends with: nothing read is unaccounted for. */
export interface Summary {
  read: number;
  written: number;
  /** Rejected rows and records by reason (`ragged-row`, `schema`, `role-order`, `missing-value`, …). */
  rejected: Record<string, number>;
  /** Warnings by reason (not rejections). */
  warnings: Record<string, number>;
  /** Records sent to the validation file by `validationFraction` (included in `written`). */
  validation?: number;
  /** Records sent to the test file by `testFraction` (included in `written`). */
  test?: number;
  /** Records removed by an opt-in filter (quality, language), by reason: counted, not errors. */
  removed?: Record<string, number>;
  /** PII placeholders put in by `--redact`, by kind. */
  redacted?: Record<string, number>;
  output: string;
  elapsedMs: number;
  /**
   * False when the run wrote nothing usable (every row refused): its outputs were not put in place, so an existing
   * file of the same name is left as it was. `--rejects` is still written: it says why.
   */
  committed?: boolean;
}

export interface PipelineOptions {
  source: AsyncIterable<SourceItem>;
  /** Row → draft (templates, column mapping); may return a finding instead. Default: not allowed for rows. */
  toDraft: (row: Row) => Draft | Finding | Iterable<Draft | Finding> | Promise<Draft | Finding>;
  format: Format<any>;
  sink: Sink;
  /** Only the first `limit` source rows are read (in order, as the original demo's `select(range(1000))`). */
  limit?: number;
  /** Keep only rows for which this returns true (rows filtered out are counted as `filtered`, not rejected). */
  filter?: (row: Row) => boolean;
  /** Extra checks on a record that passed its format (model profiles); an error finding rejects the record. */
  check?: (record: unknown, origin: Origin) => Finding[];
  /** Opt-in text steps on each draft before it is built: a changed draft (redacted), or a removal by reason. */
  refine?: (d: Draft) => Draft | { removed: string; message: string };
  /** Send this fraction of records (chosen by a seeded hash of the row index: stable across runs) to `validationSink`. */
  validationFraction?: number;
  /** Send this fraction to `testSink`, by the same stable rule (train / validation / test). */
  testFraction?: number;
  testSink?: Sink;
  /**
   * The group a row belongs to (a document, a dialogue, a file): the split is decided by the group, not the row,
   * so one group never lands in two splits.
   */
  groupOf?: (row: Row) => string;
  validationSink?: Sink;
  seed?: number;
  onFinding?: (f: Finding) => void;
  /** Called after each record is written (e.g. to write provenance beside it). */
  onWritten?: (record: unknown, origin: Origin, index: number, toValidation: boolean) => void | Promise<void>;
  /** Called about every 1,000 rows, for progress display. */
  onProgress?: (s: Summary) => void;
  /**
   * Each refused row, page or record (an error finding) with its origin, reason, message and the row itself; and
   * each warning that carries input not used in full (a teacher's short reply).
   */
  rejects?: Sink;
  /** Files written beside the records (`--metadata`): put in place together with the records, or not at all. */
  sideSinks?: Sink[];
  /**
   * Whether the run's outputs are put in place (default: unless every row was refused — nothing was written and
   * something was rejected). A failed run leaves an existing output untouched. May throw to fail the run (a
   * file-level rule broken before anything is committed).
   */
  commitIf?: (s: Summary) => boolean | Promise<boolean>;
  /**
   * The format's bound on the records of the main output (evaluation prompts, distillation prompts): `error` fails
   * the run before anything is committed; `truncate` writes the first `max` and refuses the rest as `over-limit`.
   */
  recordLimit?: { limit: RecordLimit; policy: "error" | "truncate" };
}

/** The default commit rule: a run that wrote nothing and refused something failed (exit 3) and replaces nothing. */
export function usableRun(s: Summary): boolean {
  return s.written > 0 || rejectedTotal(s) === 0;
}

function bump(m: Record<string, number>, k: string, n = 1): void {
  m[k] = (m[k] ?? 0) + n;
}

/** The split coin of a record: of its group when it has one, else of its index (the rule every split uses). */
export function splitCoin(index: number, seed: number, group?: string): number {
  return group !== undefined ? groupCoin(group, seed) : coin(index, seed);
}

/** 32-bit FNV-1a over a group key's UTF-16 units and the seed: the coin of a whole group. */
function groupCoin(key: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h ^= c & 0xff;
    h = Math.imul(h, 0x01000193);
    h ^= c >>> 8;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x100000000;
}

/** 32-bit FNV-1a over the row index and seed: a cheap, stable coin for the validation split. */
function coin(index: number, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (const b of [index & 0xff, (index >>> 8) & 0xff, (index >>> 16) & 0xff, (index >>> 24) & 0xff]) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x100000000;
}

/**
 * source → (limit, filter) → draft → format → schema + rules + profile checks → sink. Streams: one row at a time.
 * On failure the sinks are aborted (no half-written file); on success they are committed.
 */
export async function runPipeline(o: PipelineOptions): Promise<Summary> {
  const t0 = performance.now();
  const s: Summary = { read: 0, written: 0, rejected: {}, warnings: {}, output: o.sink.path, elapsedMs: 0 };
  if (o.validationSink) s.validation = 0;
  if (o.testSink) s.test = 0;
  let trainWritten = 0;
  let overLimit = 0;
  const report = async (f: Finding, row?: Row, record?: unknown) => {
    bump(f.severity === "error" ? s.rejected : s.warnings, f.reason);
    o.onFinding?.(f);
    if (o.rejects && (f.severity === "error" || f.raw !== undefined)) await o.rejects.write(rejectLine(f, row, record));
  };
  const emit = async (d0: Draft | Finding, index: number, row: Row, group?: string) => {
    if ("type" in d0) return report(d0, row);
    let d = d0;
    if (o.refine) {
      const r = o.refine(d);
      if ("removed" in r) {
        bump((s.removed ??= {}), r.removed);
        return;
      }
      d = r;
    }
    const built = o.format.fromDraft(d);
    if (built instanceof RecordIssue) return report(finding(built.category, built.message, d.origin), row);
    const checked = checkRecord(o.format, built);
    if (!checked.ok) {
      const first = checked.issues[0]!;
      const more = checked.issues.length > 1 ? ` (+${checked.issues.length - 1} more)` : "";
      return report(finding(first.category, first.message + more, d.origin), row, built);
    }
    if (o.check) {
      const fs = o.check(checked.record, d.origin);
      let bad = false;
      for (const f of fs) {
        if (f.severity === "error") bad = true;
        await report(f, row, checked.record);
      }
      if (bad) return;
    }
    // Train / validation / test by one stable coin: of the row index, or of the row's group.
    const c = o.validationFraction || o.testFraction ? (group !== undefined ? groupCoin(group, o.seed ?? 0) : coin(index, o.seed ?? 0)) : 1;
    const toValidation = !!(o.validationSink && o.validationFraction && c < o.validationFraction);
    const toTest = !toValidation && !!(o.testSink && o.testFraction && c >= (o.validationFraction ?? 0) && c < (o.validationFraction ?? 0) + o.testFraction);
    if (toValidation) {
      await o.validationSink!.write(checked.record);
      s.validation!++;
    } else if (toTest) {
      await o.testSink!.write(checked.record);
      s.test!++;
    } else {
      const lim = o.recordLimit;
      if (lim && trainWritten >= lim.limit.max) {
        if (lim.policy === "truncate") return report(finding("over-limit", `past the first ${lim.limit.max.toLocaleString("en-US")} ${lim.limit.noun} (--limit-policy truncate): ${lim.limit.job} takes no more`, d.origin), row, checked.record);
        overLimit++;
        return;
      }
      await o.sink.write(checked.record);
      trainWritten++;
    }
    await o.onWritten?.(checked.record, d.origin, s.written, toValidation);
    s.written++;
  };
  try {
    for await (const item of o.source) {
      if (item.type === "finding") {
        // A finding from the source stands for input that could not become a row: it counts as read and rejected.
        const n = item.rows ?? 1;
        if (item.severity === "error") {
          s.read += n;
          bump(s.rejected, item.reason, n);
          if (o.rejects) await o.rejects.write(rejectLine(item));
        } else {
          bump(s.warnings, item.reason, n);
          if (o.rejects && item.raw !== undefined) await o.rejects.write(rejectLine(item));
        }
        o.onFinding?.(item);
        continue;
      }
      if (!item.part) {
        if (o.limit !== undefined && s.read >= o.limit) break;
        s.read++;
      }
      if (o.filter && !o.filter(item)) {
        bump(s.warnings, "filtered");
        continue;
      }
      let out = o.toDraft(item);
      // An asynchronous step (media uploaded before the record names it); the common path stays synchronous.
      if (out instanceof Promise) out = await out;
      const group = o.groupOf?.(item);
      if (isIterable(out)) {
        for (const d of out) await emit(d, s.read - 1, item, group);
      } else {
        await emit(out, s.read - 1, item, group);
      }
      if (o.onProgress && !item.part && s.read % 1000 === 0) o.onProgress(s);
    }
    if (overLimit) {
      throw new PrepError(`${overLimitMessage(o.recordLimit!.limit, trainWritten + overLimit)}; nothing was written: take a part (-n, --sample), or --limit-policy truncate (the first ${o.recordLimit!.limit.max.toLocaleString("en-US")}) or split (files of at most ${o.recordLimit!.limit.max.toLocaleString("en-US")})`, 3);
    }
    s.elapsedMs = performance.now() - t0;
    s.committed = await (o.commitIf ?? usableRun)(s);
    // Every output written and synced before any is put in place: a failure in one leaves none.
    const data = [o.sink, o.validationSink, o.testSink, ...(o.sideSinks ?? [])].filter((x): x is Sink => !!x);
    if (s.committed) {
      for (const x of data) await x.finish?.();
      await o.rejects?.finish?.();
      for (const x of data) await x.close();
    } else {
      for (const x of data) await x.abort();
    }
    await o.rejects?.close();
  } catch (e) {
    for (const x of [o.sink, o.validationSink, o.testSink, ...(o.sideSinks ?? []), o.rejects]) await x?.abort();
    throw e;
  }
  s.elapsedMs = performance.now() - t0;
  return s;
}

function isIterable(x: unknown): x is Iterable<Draft | Finding> {
  return typeof x === "object" && x !== null && Symbol.iterator in x;
}


export function rejectedTotal(s: Summary): number {
  return Object.values(s.rejected).reduce((a, b) => a + b, 0);
}

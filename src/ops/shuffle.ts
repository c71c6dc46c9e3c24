import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { osReason } from "../jsonl.js";
import { pidNamespace, removeStale } from "../outputs/stale.js";
import { PrepError, type Finding } from "../record.js";
import { prng, type DatasetRecord } from "./ops.js";

const SPILL_PREFIX = "prep-data-shuffle-";
/** Bytes an item held in memory costs beside its line (measured: V8's object, heap number and string headers). */
const ITEM_OVERHEAD = 96;

/**
 * Spill folders that runs killed mid-shuffle (kill -9, a lost node) left in the temp folder: removed when their
 * process is gone (or, from another PID namespace, when a day old). Returns how many.
 */
export function removeStaleSpills(dir = tmpdir()): number {
  return removeStale(dir, SPILL_PREFIX, /^(\d+)-(\w+)-\w{6}$/);
}

/**
 * A shuffle of a file larger than memory, deterministic for a seed: records go to temp buckets by a seeded random
 * key, then each bucket is sorted by key in memory and emitted. The order is the records sorted by key whatever the
 * number of buckets (a bucket is a key range), so an input that fits in `bucketBytes` is shuffled in memory with
 * the same result.
 */
export function externalShuffle(records: AsyncIterable<DatasetRecord | Finding>, seed: number, bucketBytes = 64 * 1024 * 1024, totalBytes = 0): AsyncGenerator<DatasetRecord | Finding> {
  return shuffleBy(records, seed, {
    encode: (r) => [r.source, r.line, r.index, r.value],
    decode: ([source, line, index, value]) => ({ type: "record", source, line, index, value }) as DatasetRecord,
    bucketBytes,
    totalBytes,
  });
}

/**
 * The seeded shuffle of any items (findings pass straight through), in memory up to `bucketBytes` of encoded items,
 * beyond that spilled to at least 64 temp buckets (so each holds about 1/64 of the input).
 */
export async function* shuffleBy<T>(items: AsyncIterable<T | Finding>, seed: number, o: { encode: (x: T) => unknown[]; decode: (a: any[]) => T; bucketBytes?: number; totalBytes?: number }): AsyncGenerator<T | Finding> {
  const budget = o.bucketBytes ?? 64 * 1024 * 1024;
  const rand = prng(seed);
  const replacer = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
  let held: { key: number; i: number; line: string }[] = [];
  let heldBytes = 0;
  let spill: { dir: string; fds: number[] } | undefined;
  let i = 0;
  const spillTo = (x: { key: number; line: string }) => {
    const fds = spill!.fds;
    try {
      writeSync(fds[Math.min(fds.length - 1, Math.floor(x.key * fds.length))]!, x.line + "\n");
    } catch (e) {
      // A full or unwritable temp folder is the user's to fix: one line naming it, not an internal error.
      throw new PrepError(`cannot spill the shuffle to ${spill!.dir}: ${osReason(e)} (free space there, or set TMPDIR to a folder with room for about the input's size)`, 3);
    }
  };
  try {
    for await (const x of items) {
      if ((x as Finding).type === "finding") {
        yield x as Finding;
        continue;
      }
      const key = rand();
      const line = JSON.stringify([key, i, ...o.encode(x as T)], replacer);
      const item = { key, i: i++, line };
      if (spill) {
        spillTo(item);
        continue;
      }
      held.push(item);
      // The line and what holding it costs beside (the item object, its number, the array slot, the string's
      // header): counting only the line let 2.6 M short records take ~8× --bucket-mb.
      heldBytes += line.length + ITEM_OVERHEAD;
      if (heldBytes > budget) {
        let dir: string;
        try {
          removeStaleSpills();
          dir = mkdtempSync(join(tmpdir(), `${SPILL_PREFIX}${process.pid}-${pidNamespace()}-`));
        } catch (e) {
          throw new PrepError(`cannot make a temp folder for the shuffle in ${tmpdir()}: ${osReason(e)} (set TMPDIR to a writable folder)`, 3);
        }
        const buckets = Math.max(64, Math.ceil((o.totalBytes ?? 0) / budget));
        spill = { dir, fds: Array.from({ length: buckets }, (_, b) => openSync(join(dir, `b${b}`), "w")) };
        for (const h of held) spillTo(h);
        held = [];
      }
    }
    const emit = function* (rows: { key: number; i: number; line: string }[]) {
      rows.sort((a, b) => a.key - b.key || a.i - b.i);
      for (const r of rows) yield o.decode((JSON.parse(r.line) as unknown[]).slice(2));
    };
    if (!spill) {
      yield* emit(held);
      return;
    }
    for (const fd of spill.fds) closeSync(fd);
    spill.fds = spill.fds.map(() => -1);
    for (let b = 0; b < spill.fds.length; b++) {
      const path = join(spill.dir, `b${b}`);
      const rows = readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [key, idx] = JSON.parse(line.slice(0, line.indexOf(",", line.indexOf(",") + 1)) + "]") as [number, number];
          return { key, i: idx, line };
        });
      rmSync(path);
      yield* emit(rows);
    }
  } finally {
    if (spill) {
      for (const fd of spill.fds) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
      }
      rmSync(spill.dir, { recursive: true, force: true });
    }
  }
}

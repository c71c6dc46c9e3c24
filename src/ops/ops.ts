import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getFormat, type FormatName } from "../formats/index.js";
import { finding, type Finding } from "../record.js";
import { lineBatches } from "../sources/lines.js";
import { openBytes } from "../sources/open.js";
import { recordTexts } from "../validate/checker.js";
import { detectFormat } from "../validate/detect.js";
import { normalisedDigest, RecordHashes } from "../validate/hashset.js";

/** One JSONL record of a dataset file, with where it is. */
export interface DatasetRecord {
  type: "record";
  value: Record<string, unknown>;
  source: string;
  line: number;
  /** 0-based index over all inputs, in order. */
  index: number;
}

/** Records of JSONL files in order; a line that is not a JSON object is a finding with its line. */
export async function* readRecords(paths: string[]): AsyncGenerator<DatasetRecord | Finding> {
  let index = 0;
  for (const source of paths) {
    for await (const batch of lineBatches(await openBytes(source))) {
      for (const l of batch) {
        if (l.text.trim() === "") continue;
        let v: unknown;
        try {
          v = JSON.parse(l.text);
        } catch (e) {
          yield finding("json-syntax", (e as Error).message, { source, line: l.n });
          continue;
        }
        if (!v || typeof v !== "object" || Array.isArray(v)) {
          yield finding("schema", "expected a JSON object", { source, line: l.n });
          continue;
        }
        yield { type: "record", value: v as Record<string, unknown>, source, line: l.n, index: index++ };
      }
    }
  }
}

/** The text a record's near-duplicate check looks at: its turns or text, whatever the format. */
export function recordText(value: Record<string, unknown>): string {
  const f = detectFormat(value);
  if (f) {
    try {
      const { input, output } = recordTexts(getFormat(f), value);
      return `${input}\n${output}`;
    } catch {
      // not quite the format: fall back to every string in it
    }
  }
  const parts: string[] = [];
  const walk = (x: unknown) => {
    if (typeof x === "string") parts.push(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") Object.values(x).forEach(walk);
  };
  walk(value);
  return parts.join("\n");
}

/** Seeded 32-bit PRNG (mulberry32): the same seed, the same sample and shuffle. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface NearOptions {
  /** Estimated Jaccard similarity of word shingles at or above which a record is a near-duplicate (default 0.8). */
  threshold?: number;
  /** Words per shingle (default 5). */
  shingle?: number;
  /** Bands × rows = hashes (default 14 × 8 = 112, datatrove's MinHash defaults). */
  bands?: number;
  rows?: number;
}

/** murmur3's 32-bit finaliser: a cheap, well-mixed hash of a 32-bit value. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a of a string's UTF-16 units, then mixed: a shingle's 32-bit hash. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/**
 * Near-duplicate detection with MinHash over word shingles and LSH banding, keeping per record only its band keys
 * (in open-addressing tables) and a one-byte-per-hash sketch to confirm a candidate's estimated similarity: never
 * the records themselves. Defaults follow datatrove (5-word shingles, 112 hashes in 14 bands of 8).
 */
export class NearDuplicates {
  private readonly n: number;
  private readonly bands: number;
  private readonly rows: number;
  private readonly shingle: number;
  private readonly threshold: number;
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;
  private readonly tables: RecordHashes[];
  private sketches = new Uint8Array(1 << 20);
  private refs: string[] = [];
  private count = 0;

  constructor(o: NearOptions = {}) {
    this.bands = o.bands ?? 14;
    this.rows = o.rows ?? 8;
    this.n = this.bands * this.rows;
    this.shingle = o.shingle ?? 5;
    this.threshold = o.threshold ?? 0.8;
    const r = prng(0x5eed);
    this.a = Uint32Array.from({ length: this.n }, () => 1 + Math.floor(r() * 0xfffffffe));
    this.b = Uint32Array.from({ length: this.n }, () => Math.floor(r() * 0xffffffff));
    this.tables = Array.from({ length: this.bands }, () => new RecordHashes());
  }

  private signature(text: string): Uint32Array {
    const words = text.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [];
    const sig = new Uint32Array(this.n).fill(0xffffffff);
    const k = Math.min(this.shingle, Math.max(1, words.length));
    for (let i = 0; i + k <= words.length; i++) {
      const h = hashString(words.slice(i, i + k).join(" "));
      // One hash function per position: the shingle hash mixed with that position's seed.
      for (let j = 0; j < this.n; j++) {
        const v = fmix32((h ^ this.a[j]!) + this.b[j]!);
        if (v < sig[j]!) sig[j] = v;
      }
    }
    return sig;
  }

  /** Add a record's text: the ref (`file:line`) of the earlier record it nearly duplicates, or undefined (it is kept). */
  add(text: string, ref: string): string | undefined {
    const sig = this.signature(text);
    const sketch = new Uint8Array(this.n);
    for (let j = 0; j < this.n; j++) sketch[j] = sig[j]! & 0xff;
    const keys: [number, number][] = [];
    let match: string | undefined;
    for (let band = 0; band < this.bands && match === undefined; band++) {
      const h = createHash("md5");
      h.update(Buffer.from(sig.buffer, band * this.rows * 4, this.rows * 4));
      const d = h.digest();
      const key: [number, number] = [d.readUInt32LE(0), d.readUInt32LE(4) | 1];
      keys.push(key);
      const other = this.tables[band]!.get(key[0], key[1]);
      if (other !== undefined && this.similar(sketch, other - 1) >= this.threshold) match = this.refs[other - 1];
    }
    if (match !== undefined) return match;
    // Kept: remember its bands and sketch.
    const id = this.count++;
    if ((id + 1) * this.n > this.sketches.length) {
      const bigger = new Uint8Array(this.sketches.length * 2);
      bigger.set(this.sketches);
      this.sketches = bigger;
    }
    this.sketches.set(sketch, id * this.n);
    this.refs.push(ref);
    for (let band = 0; band < this.bands; band++) {
      let key = keys[band];
      if (!key) {
        const d = createHash("md5").update(Buffer.from(sig.buffer, band * this.rows * 4, this.rows * 4)).digest();
        key = [d.readUInt32LE(0), d.readUInt32LE(4) | 1];
      }
      this.tables[band]!.add(key[0], key[1], id + 1);
    }
    return undefined;
  }

  /** Estimated Jaccard similarity from one-byte sketches (corrected for chance byte matches). */
  private similar(sketch: Uint8Array, id: number): number {
    let same = 0;
    const off = id * this.n;
    for (let j = 0; j < this.n; j++) if (this.sketches[off + j] === sketch[j]) same++;
    const m = same / this.n;
    return (m - 1 / 256) / (1 - 1 / 256);
  }
}

/** Exact duplicates by validate's whitespace-normalised digest: the line of the first occurrence, or undefined. */
export class ExactDuplicates {
  private readonly hashes = new RecordHashes();
  private readonly where: string[] = [];
  add(value: unknown, at: string): string | undefined {
    const [hi, lo] = normalisedDigest(JSON.stringify(value));
    const first = this.hashes.add(hi, lo, this.where.length + 1);
    if (first !== undefined) return this.where[first - 1];
    this.where.push(at);
    return undefined;
  }
}

/** The format of a record, for checking that merged inputs agree. */
export function formatOf(value: unknown): FormatName | undefined {
  return detectFormat(value);
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
    writeSync(fds[Math.min(fds.length - 1, Math.floor(x.key * fds.length))]!, x.line + "\n");
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
      heldBytes += line.length;
      if (heldBytes > budget) {
        const dir = mkdtempSync(join(tmpdir(), "prep-data-shuffle-"));
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

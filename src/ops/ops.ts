import { getFormat, type FormatName } from "../formats/index.js";
import type { Finding } from "../record.js";
import { lineBatches } from "../sources/lines.js";
import { lineRecord } from "./line-record.js";
export { asLine } from "./line-record.js";
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
  /** The line as read (what validate's duplicate digest is taken of), where the reader has it. */
  text?: string;
  /** The line's bytes as read (readRecords with `raw`): a view of the reader's buffer, valid while the record is handled. */
  raw?: Buffer;
}

/**
 * Records of JSONL files in order; a line that is not a JSON object is a finding with its line (and column, as
 * validate words it). Blank lines are skipped, or with `blankLines: "finding"` refused as validate refuses them.
 */
export async function* readRecords(paths: string[], o: { blankLines?: "skip" | "finding"; raw?: boolean } = {}): AsyncGenerator<DatasetRecord | Finding> {
  let index = 0;
  for (const source of paths) {
    for await (const batch of lineBatches(await openBytes(source), 1, { raw: o.raw })) {
      for (const l of batch) {
        const r = lineRecord(l.text, { source, line: l.n }, l.invalid, o.blankLines);
        if (r === undefined) continue;
        if ("type" in r) {
          yield r;
          continue;
        }
        const v = r.value;
        yield { type: "record", value: v as Record<string, unknown>, source, line: l.n, index: index++, text: l.text, ...(l.raw ? { raw: l.raw } : {}) };
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

/**
 * A uniform sample of n of the items `counts` picks, in one pass (reservoir sampling, seeded: the same seed, the
 * same picks), emitted in input order once the source ends; every other item passes straight through as it comes.
 * Holds n items. `onDone` is told how many were kept of how many there were.
 */
export async function* sampleInOrder<T>(src: AsyncIterable<T>, n: number, seed: number, counts: (x: T) => boolean, onDone?: (kept: number, seen: number) => void): AsyncGenerator<T> {
  const rand = prng(seed);
  const keep: { i: number; x: T }[] = [];
  let seen = 0;
  for await (const x of src) {
    if (!counts(x)) {
      yield x;
      continue;
    }
    const i = seen++;
    if (keep.length < n) keep.push({ i, x });
    else {
      const j = Math.floor(rand() * seen);
      if (j < n) keep[j] = { i, x };
    }
  }
  keep.sort((a, b) => a.i - b.i);
  onDone?.(keep.length, seen);
  for (const k of keep) yield k.x;
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
 * Where records were (`file:line`, or any other description), kept compactly for millions of records: the part
 * before the last `:` interned, the line in a typed array.
 */
export class RefTable {
  private readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  private name = new Uint32Array(1 << 12);
  private line = new Uint32Array(1 << 12);
  private readonly odd = new Map<number, string>();
  private n = 0;

  /** Remember a ref; its number for `get`. */
  push(ref: string): number {
    const i = this.n++;
    if (i >= this.line.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.name = grow(this.name);
      this.line = grow(this.line);
    }
    const colon = ref.lastIndexOf(":");
    const tail = colon >= 0 ? ref.slice(colon + 1) : "";
    if (/^[1-9]\d{0,8}$/.test(tail)) {
      const prefix = ref.slice(0, colon);
      let id = this.ids.get(prefix);
      if (id === undefined) {
        id = this.names.push(prefix) - 1;
        this.ids.set(prefix, id);
      }
      this.name[i] = id;
      this.line[i] = Number(tail);
    } else this.odd.set(i, ref);
    return i;
  }

  get(i: number): string {
    return this.odd.get(i) ?? `${this.names[this.name[i]!]}:${this.line[i]}`;
  }
}

/**
 * One LSH band's buckets: a 32-bit band key to the first record that had it (open addressing, 8 bytes a slot, at
 * most 85 % full: fourteen of these are most of near-dedup's memory). A key shared by chance is harmless: every candidate's similarity is confirmed from its sketch.
 */
class BandTable {
  private key = new Uint32Array(1 << 12);
  private id = new Uint32Array(1 << 12); // 0 = empty slot
  private size = 0;

  get(k: number): number | undefined {
    const mask = this.id.length - 1;
    for (let i = fmix32(k) & mask; ; i = (i + 1) & mask) {
      if (this.id[i] === 0) return undefined;
      if (this.key[i] === k) return this.id[i]! - 1;
    }
  }

  /** Add a key for record `id` unless the key is already there. */
  add(k: number, id: number): void {
    if (this.get(k) !== undefined) return;
    if ((this.size + 1) * 20 > this.id.length * 17) {
      const { key, id: ids } = this;
      this.key = new Uint32Array(key.length * 2);
      this.id = new Uint32Array(key.length * 2);
      for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) this.put(key[i]!, ids[i]!);
    }
    this.put(k, id + 1);
    this.size++;
  }

  private put(k: number, stored: number): void {
    const mask = this.id.length - 1;
    let i = fmix32(k) & mask;
    while (this.id[i] !== 0) i = (i + 1) & mask;
    this.key[i] = k;
    this.id[i] = stored;
  }
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
  private readonly tables: BandTable[];
  /** Sketches in 16 MB blocks (never copied to grow). */
  private readonly blocks: Uint8Array[] = [];
  private readonly perBlock: number;
  private readonly refs = new RefTable();
  private count = 0;

  constructor(o: NearOptions = {}) {
    this.bands = o.bands ?? 14;
    this.rows = o.rows ?? 8;
    this.n = this.bands * this.rows;
    this.shingle = o.shingle ?? 5;
    this.threshold = o.threshold ?? 0.8;
    const r = prng(0x5eed);
    this.a = Uint32Array.from({ length: this.n }, () => (Math.floor(r() * 0xffffffff) | 1) >>> 0);
    this.b = Uint32Array.from({ length: this.n }, () => Math.floor(r() * 0xffffffff));
    this.tables = Array.from({ length: this.bands }, () => new BandTable());
    this.perBlock = Math.floor((1 << 24) / this.n);
  }

  private signature(text: string): Uint32Array {
    const words = text.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [];
    const sig = new Uint32Array(this.n).fill(0xffffffff);
    const k = Math.min(this.shingle, Math.max(1, words.length));
    const wh = new Uint32Array(words.length);
    for (let i = 0; i < words.length; i++) wh[i] = hashString(words[i]!);
    const { a, b, n } = this;
    for (let i = 0; i + k <= words.length; i++) {
      // A shingle's hash from its words' hashes, in order.
      let h = 0x2545f491;
      for (let w = i; w < i + k; w++) h = fmix32((h ^ wh[w]!) + w - i);
      // One hash function per position: a seeded permutation of the (well-mixed) shingle hash, a·h + b mod 2³² with
      // odd a, as datatrove's (a·h + b) mod p.
      for (let j = 0; j < n; j++) {
        const v = (Math.imul(a[j]!, h) + b[j]!) >>> 0;
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
    // A band's key: its rows' hashes folded into 32 bits.
    const keys = new Uint32Array(this.bands);
    for (let band = 0; band < this.bands; band++) {
      let h = 0x9e3779b9 ^ band;
      for (let r = 0; r < this.rows; r++) h = fmix32(h ^ sig[band * this.rows + r]!) + r;
      keys[band] = h >>> 0;
      const other = this.tables[band]!.get(keys[band]!);
      if (other !== undefined && this.similar(sketch, other) >= this.threshold) return this.refs.get(other);
    }
    // Kept: remember its bands and sketch.
    const id = this.count++;
    if (id % this.perBlock === 0) this.blocks.push(new Uint8Array(this.perBlock * this.n));
    this.blocks[this.blocks.length - 1]!.set(sketch, (id % this.perBlock) * this.n);
    this.refs.push(ref);
    for (let band = 0; band < this.bands; band++) this.tables[band]!.add(keys[band]!, id);
    return undefined;
  }

  /** Estimated Jaccard similarity from one-byte sketches (corrected for chance byte matches). */
  private similar(sketch: Uint8Array, id: number): number {
    let same = 0;
    const block = this.blocks[Math.floor(id / this.perBlock)]!;
    const off = (id % this.perBlock) * this.n;
    for (let j = 0; j < this.n; j++) if (block[off + j] === sketch[j]) same++;
    const m = same / this.n;
    return (m - 1 / 256) / (1 - 1 / 256);
  }
}

/** Exact duplicates by validate's whitespace-normalised digest: the line of the first occurrence, or undefined. */
export class ExactDuplicates {
  private readonly hashes = new RecordHashes();
  private readonly where = new RefTable();
  private n = 0;
  add(value: unknown, at: string): string | undefined {
    return this.addText(JSON.stringify(value), at);
  }
  /**
   * A record by its JSON text as read: the digest ignores JSON formatting and whitespace runs inside strings (the
   * digest `validate` counts duplicates with), so it equals the digest of the parsed value serialised again.
   */
  addText(json: string | Uint8Array, at: string): string | undefined {
    const [hi, lo] = normalisedDigest(json);
    return this.addDigest(hi, lo, at);
  }
  /** A record by its digest (see {@link addText}); `at` is remembered only for a first occurrence. */
  addDigest(hi: number, lo: number, at: string): string | undefined {
    const first = this.hashes.add(hi, lo, this.n + 1);
    if (first !== undefined) return this.where.get(first - 1);
    this.where.push(at);
    this.n++;
    return undefined;
  }
}

/** The format of a record, for checking that merged inputs agree. */
export function formatOf(value: unknown): FormatName | undefined {
  return detectFormat(value);
}

import { DIGEST_WASM } from "./digest-wasm.js";

/**
 * Exact-duplicate detection in constant memory per record: a 64-bit digest of each record's normalised text in an
 * open-addressing table (12 bytes a slot), remembering the line that first had it.
 */
export class RecordHashes {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private line: Uint32Array;
  private size = 0;

  constructor(capacity = 1 << 16) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.line = new Uint32Array(capacity); // 0 = empty slot (lines are 1-based)
  }

  /** The line that first had this digest, or undefined. */
  get(h: number, l: number): number | undefined {
    const mask = this.line.length - 1;
    for (let i = l & mask; ; i = (i + 1) & mask) {
      if (this.line[i] === 0) return undefined;
      if (this.lo[i] === l && this.hi[i] === h) return this.line[i];
    }
  }

  /** Add a digest; returns the earlier line if it was already there. */
  add(h: number, l: number, line: number): number | undefined {
    const seen = this.get(h, l);
    if (seen !== undefined) return seen;
    if ((this.size + 1) * 2 > this.line.length) this.grow();
    this.put(h, l, line);
    this.size++;
    return undefined;
  }

  private put(h: number, l: number, line: number): void {
    const mask = this.line.length - 1;
    let i = l & mask;
    while (this.line[i] !== 0) i = (i + 1) & mask;
    this.hi[i] = h;
    this.lo[i] = l;
    this.line[i] = line;
  }

  private grow(): void {
    const { hi, lo, line } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(hi.length * 2);
    this.line = new Uint32Array(hi.length * 2);
    for (let i = 0; i < line.length; i++) if (line[i] !== 0) this.put(hi[i]!, lo[i]!, line[i]!);
  }
}

let wasmModule: WebAssembly.Module | undefined;

/**
 * Normalised 64-bit digests of JSONL lines, for duplicate detection, computed in WebAssembly (digest.wat) over the
 * lines' UTF-8 bytes: JSON formatting is ignored, and inside strings a run of whitespace (raw, or escaped as
 * \n \r \t) counts as one space and leading/trailing whitespace is dropped.
 */
export class LineDigester {
  private readonly memory: WebAssembly.Memory;
  private readonly fn: (start: number, end: number, out: number) => number;
  private readonly hi: WebAssembly.Global;
  private readonly caps: WebAssembly.Global;
  private readonly lead: WebAssembly.Global;
  private bytes: Uint8Array;
  /** Where the normalised copy of a line goes: after the loaded bytes. */
  private scratch = 0;

  constructor() {
    wasmModule ??= new WebAssembly.Module(Buffer.from(DIGEST_WASM, "base64"));
    const { exports } = new WebAssembly.Instance(wasmModule);
    this.memory = exports.memory as WebAssembly.Memory;
    this.fn = exports.digest as (start: number, end: number, out: number) => number;
    this.hi = exports.hi as WebAssembly.Global;
    this.caps = exports.capsDigits as WebAssembly.Global;
    this.lead = exports.highBytes as WebAssembly.Global;
    this.bytes = new Uint8Array(this.memory.buffer);
  }

  /** Make these bytes the ones {@link digest} reads (a batch of lines). */
  load(bytes: Uint8Array): void {
    // The bytes, then room for a normalised line (never longer than the batch) and spare bytes for wide stores.
    this.scratch = (bytes.byteLength + 15) & ~7;
    const need = this.scratch + bytes.byteLength + 32;
    if (need > this.bytes.byteLength) {
      this.memory.grow(Math.ceil((need - this.bytes.byteLength) / 65536));
      this.bytes = new Uint8Array(this.memory.buffer);
    }
    this.bytes.set(bytes, 0);
  }

  /** The digest of bytes [start, end) of what was loaded, as [high, low] 32-bit halves. */
  digest(start: number, end: number): [number, number] {
    const lo = this.fn(start, end, this.scratch) >>> 0;
    return [(this.hi.value as number) >>> 0, lo];
  }

  /** Digest bytes [start, end) into out[at], out[at + 1] (high, low), with the figures in out[at + 2], out[at + 3]. */
  digestInto(start: number, end: number, out: Uint32Array, at: number): void {
    out[at + 1] = this.fn(start, end, this.scratch);
    out[at] = this.hi.value as number;
    out[at + 2] = this.caps.value as number;
    out[at + 3] = this.lead.value as number;
  }

  /** Figures of the line last digested, for token bounds: its ASCII capitals and digits, its bytes ≥ 0x80. */
  figures(): { capsDigits: number; highBytes: number } {
    return { capsDigits: this.caps.value as number, highBytes: this.lead.value as number };
  }
}

let shared: LineDigester | undefined;

/** The normalised digest of one line of text (see {@link LineDigester}); for single lines, not bulk work. */
export function normalisedDigest(line: string | Uint8Array): [number, number] {
  shared ??= new LineDigester();
  const b = typeof line === "string" ? Buffer.from(line, "utf8") : line;
  shared.load(b);
  return shared.digest(0, b.byteLength);
}

import { readFileSync } from "node:fs";

/**
 * A byte-level BPE vocabulary (tiktoken's: rank = id) in typed arrays: each rank's token bytes, and an
 * open-addressing table from token bytes to rank. Looking a pair up hashes bytes already in memory — no string is
 * built and none is hashed by the engine — and the whole vocabulary can be written to a file and mapped back in a
 * millisecond (gpt-tokenizer's cl100k table, a 1.2 MB JavaScript module, takes ~0.1 s to compile and turn into a
 * Map on every start).
 */
export class Vocab {
  private readonly mask: number;

  private constructor(
    /** Token bytes of rank r: bytes[offsets[r] … offsets[r + 1]); empty for a rank the vocabulary leaves out. */
    readonly offsets: Uint32Array,
    readonly bytes: Uint8Array,
    /** rank + 1 at the slot its bytes hash to (linear probing); 0 = empty. */
    readonly slots: Int32Array,
    /**
     * Every merge the vocabulary can make: at the slot a pair of ranks (a, b) hashes to (linear probing), the rank + 1
     * of the token whose bytes are a's then b's. Built when first needed, or read from the file.
     */
    private pairs?: Int32Array,
  ) {
    this.mask = slots.length - 1;
  }

  /** Ranks 0 … size − 1. */
  get size(): number {
    return this.offsets.length - 1;
  }

  /** From token bytes by rank (undefined: no token of that rank). */
  static fromTokens(tokens: readonly (Uint8Array | undefined)[]): Vocab {
    const offsets = new Uint32Array(tokens.length + 1);
    let total = 0;
    for (let r = 0; r < tokens.length; r++) {
      offsets[r] = total;
      total += tokens[r]?.length ?? 0;
    }
    offsets[tokens.length] = total;
    const bytes = new Uint8Array(total);
    for (let r = 0; r < tokens.length; r++) if (tokens[r]) bytes.set(tokens[r]!, offsets[r]!);
    let n = 1;
    while (n < tokens.length * 2.5) n *= 2;
    const v = new Vocab(offsets, bytes, new Int32Array(n));
    for (let r = 0; r < tokens.length; r++) {
      const len = tokens[r]?.length ?? 0;
      if (len === 0 || v.rank(bytes, offsets[r]!, offsets[r]! + len) >= 0) continue; // a duplicate keeps its first rank
      let h = fnv(bytes, offsets[r]!, offsets[r]! + len, FNV_BASIS) & v.mask;
      while (v.slots[h] !== 0) h = (h + 1) & v.mask;
      v.slots[h] = r + 1;
    }
    return v;
  }

  /** The rank of bytes buf[start … end), or −1 when no token is those bytes. */
  rank(buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    const { offsets, bytes, slots, mask } = this;
    for (let h = fnv(buf, start, end, FNV_BASIS) & mask; ; h = (h + 1) & mask) {
      const s = slots[h]!;
      if (s === 0) return -1;
      const o = offsets[s - 1]!;
      if (offsets[s]! - o !== len) continue;
      let i = 0;
      while (i < len && bytes[o + i] === buf[start + i]) i++;
      if (i === len) return s - 1;
    }
  }

  /** The rank of token a's bytes followed by token b's, or −1 when no token is those bytes. */
  pairRank(a: number, b: number): number {
    const pairs = (this.pairs ??= this.buildPairs());
    const { offsets, bytes } = this;
    const mask = pairs.length - 1;
    const ao = offsets[a]!;
    const al = offsets[a + 1]! - ao;
    const bo = offsets[b]!;
    const bl = offsets[b + 1]! - bo;
    for (let h = pairSlot(a, b) & mask; ; h = (h + 1) & mask) {
      const s = pairs[h]!;
      if (s === 0) return -1;
      // The slot's token is a's bytes then b's exactly when its length is theirs and both parts match.
      const o = offsets[s - 1]!;
      if (offsets[s]! - o !== al + bl) continue;
      let i = 0;
      while (i < al && bytes[o + i] === bytes[ao + i]) i++;
      if (i < al) continue;
      let j = 0;
      while (j < bl && bytes[o + al + j] === bytes[bo + j]) j++;
      if (j === bl) return s - 1;
    }
  }

  /** Each token's every split into two tokens, at the slot of that pair. */
  private buildPairs(): Int32Array {
    const { offsets, bytes } = this;
    const found: number[] = [];
    for (let r = 0; r < this.size; r++) {
      const o = offsets[r]!;
      const end = offsets[r + 1]!;
      if (end - o < 2 || this.rank(bytes, o, end) !== r) continue;
      for (let k = o + 1; k < end; k++) {
        const a = this.rank(bytes, o, k);
        if (a < 0) continue;
        const b = this.rank(bytes, k, end);
        if (b >= 0) found.push(a, b, r);
      }
    }
    let n = 1;
    while (n < (found.length / 3) * 2.2) n *= 2;
    const pairs = new Int32Array(n);
    for (let i = 0; i < found.length; i += 3) {
      let h = pairSlot(found[i]!, found[i + 1]!) & (n - 1);
      while (pairs[h] !== 0) h = (h + 1) & (n - 1);
      pairs[h] = found[i + 2]! + 1;
    }
    return pairs;
  }

  /** The file form: a header (magic, `tag`, sizes), then the three arrays. */
  serialize(tag: string): Buffer {
    const pairs = (this.pairs ??= this.buildPairs());
    const t = Buffer.from(tag, "utf8");
    const head = Buffer.alloc(28);
    head.write(MAGIC, 0, "latin1");
    head.writeUInt32LE(t.length, 8);
    head.writeUInt32LE(this.offsets.length, 12);
    head.writeUInt32LE(this.bytes.length, 16);
    head.writeUInt32LE(this.slots.length, 20);
    head.writeUInt32LE(pairs.length, 24);
    const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
    const view = (a: Uint32Array | Int32Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    return Buffer.concat([head, pad(t), view(this.offsets), view(this.slots), view(pairs), pad(view(this.bytes))]);
  }

  /** A vocabulary read back from {@link serialize}'s form; undefined when the file is not one or its tag differs. */
  static parse(file: Buffer, tag: string): Vocab | undefined {
    if (file.length < 28 || file.toString("latin1", 0, 8) !== MAGIC) return undefined;
    const tl = file.readUInt32LE(8);
    const no = file.readUInt32LE(12);
    const nb = file.readUInt32LE(16);
    const ns = file.readUInt32LE(20);
    const np = file.readUInt32LE(24);
    if (file.toString("utf8", 28, 28 + tl) !== tag || ns & (ns - 1) || np & (np - 1) || !ns || !np) return undefined;
    let at = 28 + tl + ((4 - (tl % 4)) % 4);
    if (file.length < at + 4 * no + 4 * ns + 4 * np + nb) return undefined;
    // Typed views need 4-byte alignment: a file read whole has its own buffer at offset 0; anything else is copied.
    let body: Uint8Array = file.subarray(at);
    if (body.byteOffset % 4 !== 0) body = Uint8Array.from(body);
    at = body.byteOffset;
    const offsets = new Uint32Array(body.buffer, at, no);
    at += 4 * no;
    const slots = new Int32Array(body.buffer, at, ns);
    at += 4 * ns;
    const pairs = new Int32Array(body.buffer, at, np);
    at += 4 * np;
    const bytes = new Uint8Array(body.buffer, at, nb);
    if (offsets[no - 1] !== nb) return undefined;
    return new Vocab(offsets, bytes, slots, pairs);
  }

  /** {@link parse} of a file, undefined when it is missing or not this vocabulary. */
  static read(file: URL | string, tag: string): Vocab | undefined {
    return readTables(file, (b) => Vocab.parse(b, tag));
  }
}

/** `parse` of a file written at build time; undefined when the file is missing, unreadable or refused. */
export function readTables<T>(file: URL | string, parse: (file: Buffer) => T | undefined): T | undefined {
  try {
    return parse(readFileSync(file));
  } catch {
    return undefined;
  }
}

const MAGIC = "PDBPE\x002\x00";
const FNV_BASIS = 0x811c9dc5;

/** The slot of a pair of ranks, before masking. */
function pairSlot(a: number, b: number): number {
  const h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
  return (h ^ (h >>> 15)) >>> 0;
}

/** FNV-1a over buf[start … end), continuing from `h`. */
function fnv(buf: Uint8Array, start: number, end: number, h: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

/** Token bytes by rank from gpt-tokenizer's tables: the token as text (its UTF-8), or its bytes when not UTF-8. */
export function tokensFromTable(table: readonly (string | number[])[]): Uint8Array[] {
  return table.map((t) => (typeof t === "string" ? Buffer.from(t, "utf8") : Uint8Array.from(t)));
}

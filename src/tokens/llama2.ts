import { readTables } from "./vocab.js";

/**
 * Llama 2's SentencePiece BPE as llama-tokenizer-js runs it, over integer tables instead of its string-keyed maps
 * (which it builds on import: ~80 ms, most of a `--model llama2-13b` run's token work). The merge order is the
 * library's own, float for float: a pair's priority is its place in the merges data plus the left node's first
 * position over the text's length, popped from the same binary heap (so even its ties fall the same way); a
 * character not in the vocabulary falls back to its UTF-8 bytes' tokens. Tests hold the counts to the library's.
 */
export class Llama2Bpe {
  private constructor(
    /** Token id of each single-code-point token, by code point (sorted pairs: code point, id). */
    private readonly chars: Map<number, number>,
    /** Token id of each byte's fallback token `<0xXX>`. */
    private readonly byteIds: Int32Array,
    /** Open-addressed merge table: keys (left id × 2^15 + right id, -1 empty), priorities and result ids. */
    private readonly keys: Int32Array,
    private readonly prios: Int32Array,
    private readonly results: Int32Array,
  ) {}

  /** The tables from the library's decoded vocabulary and merges (its `vocabById`, `vocabByString`, `merges`). */
  static fromLibrary(lib: { vocabById: string[]; vocabByString: Map<string, number>; merges: Map<string, number> }): Llama2Bpe {
    if (lib.vocabById.length > ID_LIMIT) throw new Error(`llama-tokenizer-js: ${lib.vocabById.length} tokens, more than this table holds`);
    const chars = new Map<number, number>();
    for (const [s, id] of lib.vocabByString) {
      const cp = s.codePointAt(0);
      if (cp !== undefined && s.length === (cp > 0xffff ? 2 : 1)) chars.set(cp, id);
    }
    const byteIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) byteIds[b] = lib.vocabByString.get(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`) ?? -1;
    const merges: number[] = [];
    for (const [key, prio] of lib.merges) {
      // A key is "left right"; no token holds a space (spaces are ▁), so the split is the library's pair.
      const sp = key.indexOf(" ");
      const left = lib.vocabByString.get(key.slice(0, sp));
      const right = lib.vocabByString.get(key.slice(sp + 1));
      const result = lib.vocabByString.get(key.replace(" ", ""));
      if (left === undefined || right === undefined || result === undefined || key.indexOf(" ", sp + 1) !== -1) throw new Error(`llama-tokenizer-js: merge "${key}" is not a pair of tokens making a token`);
      merges.push(left, right, prio, result);
    }
    return Llama2Bpe.fromArrays([...chars].flat(), byteIds, merges);
  }

  private static fromArrays(chars: ArrayLike<number>, byteIds: Int32Array, merges: ArrayLike<number>): Llama2Bpe {
    const map = new Map<number, number>();
    for (let i = 0; i < chars.length; i += 2) map.set(chars[i]!, chars[i + 1]!);
    const n = merges.length / 4;
    let size = 1;
    while (size < n * 2) size <<= 1;
    const keys = new Int32Array(size).fill(-1);
    const prios = new Int32Array(size);
    const results = new Int32Array(size);
    for (let i = 0; i < merges.length; i += 4) {
      const key = merges[i]! * ID_LIMIT + merges[i + 1]!;
      let s = slot(key, size);
      while (keys[s] !== -1 && keys[s] !== key) s = (s + 1) & (size - 1);
      keys[s] = key;
      prios[s] = merges[i + 2]!;
      results[s] = merges[i + 3]!;
    }
    return new Llama2Bpe(map, byteIds, keys, prios, results);
  }

  /** The merge's table slot for a pair of ids, or -1. */
  private find(left: number, right: number): number {
    const key = left * ID_LIMIT + right;
    const mask = this.keys.length - 1;
    for (let s = slot(key, this.keys.length); ; s = (s + 1) & mask) {
      const k = this.keys[s]!;
      if (k === key) return s;
      if (k === -1) return -1;
    }
  }

  /** `encode(text, false, precedingSpace).length` of llama-tokenizer-js. */
  count(prompt: string, precedingSpace: boolean): number {
    if (prompt.length === 0) return 0;
    const text = (precedingSpace ? " " + prompt : prompt).replaceAll(" ", "\u2581");
    const ids: number[] = [];
    for (const c of text) {
      const id = this.chars.get(c.codePointAt(0)!);
      if (id !== undefined) ids.push(id);
      else for (const b of Buffer.from(c, "utf8")) ids.push(this.byteIds[b]! >= 0 ? this.byteIds[b]! : 0);
    }
    const len = prompt.length;
    const heap = new Heap();
    const queue = (left: Node): void => {
      const s = this.find(left.id, left.next!.id);
      if (s === -1) return;
      left.prio = this.prios[s]! + left.pos / len;
      left.result = this.results[s]!;
      heap.push(left);
    };
    let first: Node = { pos: 0, id: ids[0]!, prev: null, next: null, prio: 0, result: 0, deleted: false };
    let prev = first;
    for (let i = 1; i < ids.length; i++) {
      const cur: Node = { pos: i, id: ids[i]!, prev, next: null, prio: 0, result: 0, deleted: false };
      prev.next = cur;
      queue(prev);
      prev = cur;
    }
    while (heap.size() > 0) {
      const left = heap.pop();
      if (left.deleted || !left.next || left.next.deleted) continue;
      left.deleted = true;
      left.next.deleted = true;
      if (left.prev) {
        const old = left.prev;
        old.deleted = true;
        const copy: Node = { pos: old.pos, id: old.id, prev: old.prev, next: old.next, prio: 0, result: 0, deleted: false };
        left.prev = copy;
        if (copy.prev) copy.prev.next = copy;
        else first = copy;
      }
      const merged: Node = { pos: left.pos, id: left.result, prev: left.prev, next: left.next.next, prio: 0, result: 0, deleted: false };
      if (merged.prev) {
        merged.prev.next = merged;
        queue(merged.prev);
      } else first = merged;
      if (merged.next) {
        merged.next.prev = merged;
        queue(merged);
      }
    }
    let n = 0;
    for (let node: Node | null = first; node !== null; node = node.next) n++;
    return n;
  }

  /** The file form: magic, `tag`, then the characters, byte tokens and merges as 32-bit integers. */
  serialize(tag: string): Buffer {
    const chars = [...this.chars].flat();
    const merges: number[] = [];
    for (let s = 0; s < this.keys.length; s++) {
      const k = this.keys[s]!;
      if (k !== -1) merges.push(Math.floor(k / ID_LIMIT), k % ID_LIMIT, this.prios[s]!, this.results[s]!);
    }
    const t = Buffer.from(tag, "utf8");
    const head = Buffer.alloc(20);
    head.write(MAGIC, 0, "latin1");
    head.writeUInt32LE(t.length, 8);
    head.writeUInt32LE(chars.length, 12);
    head.writeUInt32LE(merges.length, 16);
    const pad = Buffer.alloc((4 - (t.length % 4)) % 4);
    const ints = (a: ArrayLike<number>) => Buffer.from(Int32Array.from(a).buffer);
    return Buffer.concat([head, t, pad, ints(chars), ints(this.byteIds), ints(merges)]);
  }

  /** The tables read back from {@link serialize}'s form; undefined when the file is not one or its tag differs. */
  static parse(file: Buffer, tag: string): Llama2Bpe | undefined {
    if (file.length < 20 || file.toString("latin1", 0, 8) !== MAGIC) return undefined;
    const tl = file.readUInt32LE(8);
    const nc = file.readUInt32LE(12);
    const nm = file.readUInt32LE(16);
    if (file.toString("utf8", 20, 20 + tl) !== tag || nc % 2 || nm % 4) return undefined;
    const at = 20 + tl + ((4 - (tl % 4)) % 4);
    if (file.length !== at + 4 * (nc + 256 + nm)) return undefined;
    // A copy of its own, 4-byte aligned for the typed view (the file is little-endian, as the machines that run this).
    const body = new Int32Array(file.buffer.slice(file.byteOffset + at, file.byteOffset + file.length));
    return Llama2Bpe.fromArrays(body.subarray(0, nc), body.slice(nc, nc + 256), body.subarray(nc + 256));
  }

  /** {@link parse} of a file, undefined when it is missing or not these tables. */
  static read(file: URL | string, tag: string): Llama2Bpe | undefined {
    return readTables(file, (b) => Llama2Bpe.parse(b, tag));
  }
}

const MAGIC = "PDLL2\x001\x00";
/** Ids fit in 15 bits (Llama 2 has 32,000 tokens), so a pair's key fits in a 32-bit integer. */
const ID_LIMIT = 1 << 15;

function slot(key: number, size: number): number {
  const h = Math.imul(key, 0x9e3779b1);
  return (h ^ (h >>> 15)) & (size - 1);
}

interface Node {
  pos: number;
  id: number;
  prev: Node | null;
  next: Node | null;
  prio: number;
  result: number;
  deleted: boolean;
}

/**
 * The library's priority queue (a Stack Overflow binary heap), kept step for step: the smallest priority first,
 * and equal priorities leave in the order its sifting gives them.
 */
class Heap {
  private readonly h: Node[] = [];
  size(): number {
    return this.h.length;
  }
  push(v: Node): void {
    const h = this.h;
    h.push(v);
    let node = h.length - 1;
    while (node > 0) {
      const parent = ((node + 1) >>> 1) - 1;
      if (!(h[node]!.prio < h[parent]!.prio)) break;
      [h[node], h[parent]] = [h[parent]!, h[node]!];
      node = parent;
    }
  }
  pop(): Node {
    const h = this.h;
    const top = h[0]!;
    const bottom = h.length - 1;
    if (bottom > 0) [h[0], h[bottom]] = [h[bottom]!, h[0]!];
    h.pop();
    let node = 0;
    for (;;) {
      const l = (node << 1) + 1;
      const r = (node + 1) << 1;
      if (!((l < h.length && h[l]!.prio < h[node]!.prio) || (r < h.length && h[r]!.prio < h[node]!.prio))) break;
      const child = r < h.length && h[r]!.prio < h[l]!.prio ? r : l;
      [h[node], h[child]] = [h[child]!, h[node]!];
      node = child;
    }
    return top;
  }
}

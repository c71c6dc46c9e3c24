/**
 * cl100k's pre-tokenizer as a scanner. gpt-tokenizer's pattern (tiktoken's, as a JavaScript regular expression):
 *
 *     '(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+$|\s*[\r\n]|\s+(?!\S)|\s
 *
 * Its alternatives are tried in order at each position and together match any character, so the pieces cover the
 * text end to end; {@link nextPiece} returns where the piece starting at a position ends, by the same rules, with
 * no match object and no string made. Counting PDFs spent more time running the expression and hashing the pieces
 * it cut than in BPE; tests compare the two on every script, whitespace and contraction.
 */

const LETTER = 1;
const NUMBER = 2;
const SPACE = 3;
/** Anything else: punctuation, symbols, marks, a lone surrogate. */
const OTHER = 4;

const IS_LETTER = /^\p{L}$/u;
const IS_NUMBER = /^\p{N}$/u;
const IS_SPACE = /^\s$/u;

/** Classes of BMP code points, filled as they are met (0 = not yet). */
const bmp = new Uint8Array(65536);
const astral = new Map<number, number>();

function classify(cp: number): number {
  const ch = String.fromCodePoint(cp);
  return IS_LETTER.test(ch) ? LETTER : IS_NUMBER.test(ch) ? NUMBER : IS_SPACE.test(ch) ? SPACE : OTHER;
}

function classOf(cp: number): number {
  if (cp < 65536) {
    let k = bmp[cp]!;
    if (k === 0) bmp[cp] = k = classify(cp);
    return k;
  }
  let k = astral.get(cp);
  if (k === undefined) astral.set(cp, (k = classify(cp)));
  return k;
}

/** The class of the code point at `i` (a surrogate pair is one code point, a lone surrogate is OTHER). */
function classAt(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c >= 0xd800 && c < 0xdc00 && i + 1 < t.length) {
    const d = t.charCodeAt(i + 1);
    if (d >= 0xdc00 && d < 0xe000) return classOf(0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00));
  }
  return classOf(c);
}

/** UTF-16 units of the code point at `i`. */
function widthAt(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c >= 0xd800 && c < 0xdc00 && i + 1 < t.length) {
    const d = t.charCodeAt(i + 1);
    if (d >= 0xdc00 && d < 0xe000) return 2;
  }
  return 1;
}

function runOf(t: string, i: number, k: number): number {
  while (i < t.length && classAt(t, i) === k) i += widthAt(t, i);
  return i;
}

const lower = (c: number) => c | 0x20;

/** Where the piece that starts at `p` (< t.length) ends. */
export function nextPiece(t: string, p: number): number {
  const n = t.length;
  const c0 = t.charCodeAt(p);
  // '(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE])   (c | 0x20 is the lower case for exactly its two letters)
  if (c0 === 39 && p + 1 < n) {
    const c1 = lower(t.charCodeAt(p + 1));
    if (c1 === 115 || c1 === 100 || c1 === 109 || c1 === 116) return p + 2;
    if (p + 2 < n) {
      const c2 = lower(t.charCodeAt(p + 2));
      if ((c1 === 108 && c2 === 108) || (c1 === 118 && c2 === 101) || (c1 === 114 && c2 === 101)) return p + 3;
    }
  }
  const k0 = classAt(t, p);
  const w0 = widthAt(t, p);
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (k0 === LETTER) return runOf(t, p + w0, LETTER);
  if (k0 !== NUMBER && c0 !== 13 && c0 !== 10 && p + w0 < n && classAt(t, p + w0) === LETTER) return runOf(t, p + w0, LETTER);
  // \p{N}{1,3}
  if (k0 === NUMBER) {
    let e = p + w0;
    for (let k = 1; k < 3 && e < n && classAt(t, e) === NUMBER; k++) e += widthAt(t, e);
    return e;
  }
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  const q = c0 === 32 && p + 1 < n && classAt(t, p + 1) === OTHER ? p + 1 : p;
  if (classAt(t, q) === OTHER) {
    let e = runOf(t, q, OTHER);
    while (e < n && (t.charCodeAt(e) === 13 || t.charCodeAt(e) === 10)) e++;
    return e;
  }
  // Whitespace (every \s character is one UTF-16 unit): \s+$ | \s*[\r\n] | \s+(?!\S) | \s
  let r = p + 1;
  while (r < n && classOf(t.charCodeAt(r)) === SPACE) r++;
  if (r === n) return n;
  for (let k = r - 1; k >= p; k--) {
    const c = t.charCodeAt(k);
    if (c === 13 || c === 10) return k + 1;
  }
  return r - 1 > p ? r - 1 : p + 1;
}

/**
 * `s` as a string of its own. A piece cut from a text with slice() is, from 13 characters on, a view that keeps the
 * whole text alive: kept as a cache key, every chunk's source stayed in memory (a 40 MB HTML page held 10 MB per
 * block, to an out-of-memory abort). Prepending a character makes V8 build a new flat string; slicing it off again
 * leaves a view of that small string.
 */
export function ownCopy(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

const FNV_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Classes of the ASCII characters, for {@link countPieces}'s fast path. */
const ASCII_CLASS = Uint8Array.from({ length: 128 }, (_, c) => classify(c));

/**
 * The sum of `table`'s counts of t's pieces ({@link nextPiece}'s). The commonest piece, an ASCII word alone or after
 * one space or sign, is cut in the same pass that makes its key: up to 12 characters (nearly all words of prose,
 * with their space) packed one byte each into three integers, looked up by those alone ({@link PieceTable.short}); a
 * longer one is hashed after. Any other piece, or a word that goes on past ASCII, is cut by nextPiece, and one that
 * is a single ASCII character is counted without a look-up. With `classes`, the text's ASCII capitals and digits
 * are counted in the same pass and added to it (the estimate for models without a public tokenizer needs them).
 */
export function countPieces(t: string, table: PieceTable, classes?: CapsDigits): number {
  const n = t.length;
  let total = 0;
  let capsDigits = 0;
  for (let p = 0; p < n; ) {
    const c0 = t.charCodeAt(p);
    let e = -1;
    let lo = 0;
    let mid = 0;
    let hi = 0;
    // [^\r\n\p{L}\p{N}]?\p{L}+ over ASCII, not at an apostrophe (a contraction is tried first there)
    if (c0 < 128 && c0 !== 39) {
      const k0 = ASCII_CLASS[c0];
      let word = k0 === LETTER;
      if (!word && k0 !== NUMBER && c0 !== 10 && c0 !== 13 && p + 1 < n) {
        const c1 = t.charCodeAt(p + 1);
        word = c1 < 128 && ASCII_CLASS[c1] === LETTER;
      }
      if (word) {
        lo = c0;
        let caps = c0 >= 65 && c0 <= 90 ? 1 : 0;
        let i = p + 1;
        for (; i < n; i++) {
          const c = t.charCodeAt(i);
          if (c >= 128 || ASCII_CLASS[c] !== LETTER) break;
          // An ASCII letter: a capital below 91.
          if (c < 91) caps++;
          const k = i - p;
          if (k < 4) lo |= c << (k << 3);
          else if (k < 8) mid |= c << ((k - 4) << 3);
          else if (k < 12) hi |= c << ((k - 8) << 3);
        }
        // A word that goes on past ASCII is cut again, and its capitals counted, below.
        if (i < n && t.charCodeAt(i) >= 128 && classAt(t, i) === LETTER) e = -1;
        else {
          e = i;
          capsDigits += caps;
        }
      }
    }
    if (e < 0) {
      e = nextPiece(t, p);
      total += e === p + 1 && c0 < 128 ? table.ascii(c0) : table.get(t, p, e);
      // Only when asked: plain counts (chunking, cl100k, Llama 3) skip this scan.
      if (classes) {
        for (let i = p; i < e; i++) {
          const c = t.charCodeAt(i);
          if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90)) capsDigits++;
        }
      }
    } else total += e - p <= 12 ? table.short(lo, mid, hi, t, p, e) : table.get(t, p, e);
    p = e;
  }
  if (classes) classes.capsDigits += capsDigits;
  return total;
}

/** A running count of ASCII capitals and digits, which {@link countPieces} adds to as it counts. */
export interface CapsDigits {
  capsDigits: number;
}

/**
 * Token counts of pieces, by the piece's text, without making a string to look one up: an open-addressing table
 * keyed by a hash of the characters, each slot holding its piece (compared in place). Emptied when half full.
 * A slot's hash and count sit side by side (one cache line for both): counting 200 MB of JSONL spends most of its
 * time waiting on these look-ups, not on the characters.
 */
export class PieceTable {
  /** Per slot: the hash, then the count (−1: empty). */
  private slotsOf: Int32Array;
  private keys: (string | undefined)[];
  private size = 0;

  constructor(
    private readonly countOf: (piece: string) => number,
    private readonly slots = 1 << 19,
  ) {
    this.slotsOf = new Int32Array(slots * 2).fill(-1);
    this.keys = new Array(slots);
  }

  /** Counts of the one-character ASCII pieces (a sixth of DialogSum's: ".", ",", "\n"), by code (−1: not yet). */
  private readonly ones = new Int32Array(128).fill(-1);

  /** The count of the piece that is the one ASCII character `c`: from an array of its own, no hash, no probe. */
  ascii(c: number): number {
    let n = this.ones[c]!;
    if (n < 0) this.ones[c] = n = this.countOf(String.fromCharCode(c));
    return n;
  }

  /**
   * Counts of ASCII pieces of 1 to 12 characters, keyed by the characters themselves, one byte each, packed into
   * three integers (`lo`: the first four, `mid`: the next four, `hi`: the last four, 0 past the end): per slot lo,
   * mid, hi, count. A look-up compares three integers in one cache line, where a piece in the hashed table costs
   * three reads from memory (the slot, the key's pointer, the key's characters). The packing is one-to-one for the
   * pieces countPieces sends: all but the first character are letters (never 0), so `lo` is never 0, which marks an
   * empty slot. Made on first use; emptied when half full.
   */
  private shortSlots?: Int32Array;
  private shortSize = 0;

  /** The count of the ASCII piece t[s … e) (1 to 12 characters), packed as `lo`, `mid` and `hi`. */
  short(lo: number, mid: number, hi: number, t: string, s: number, e: number): number {
    // Half the hashed table's slots (4 MB for the default): 200 MB of DialogSum holds 25,000 such pieces.
    const size = this.slots >> 1;
    const slots = (this.shortSlots ??= new Int32Array(size * 4));
    const mask = size - 1;
    const h = Math.imul(lo ^ Math.imul(mid ^ Math.imul(hi, 0x27d4eb2f), 0x9e3779b1), 0x85ebca6b);
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const at = i << 2;
      const l = slots[at]!;
      if (l === 0) break;
      if (l === lo && slots[at + 1] === mid && slots[at + 2] === hi) return slots[at + 3]!;
      i = (i + 1) & mask;
    }
    const c = this.countOf(t.slice(s, e));
    if (++this.shortSize > size >> 1) {
      slots.fill(0);
      this.shortSize = 1;
      i = (h ^ (h >>> 15)) & mask;
    }
    const at = i << 2;
    slots[at] = lo;
    slots[at + 1] = mid;
    slots[at + 2] = hi;
    slots[at + 3] = c;
    return c;
  }

  /** The count of t[s … e). */
  get(t: string, s: number, e: number): number {
    let h = FNV_BASIS;
    for (let i = s; i < e; i++) h = Math.imul(h ^ t.charCodeAt(i), FNV_PRIME);
    return this.hashed(t, s, e, h);
  }

  /** The count of t[s … e), whose characters' FNV-1a hash (as {@link get} makes it) is h. */
  hashed(t: string, s: number, e: number, h: number): number {
    const mask = this.slots - 1;
    const slots = this.slotsOf;
    const len = e - s;
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const c = slots[2 * i + 1]!;
      if (c < 0) break;
      if (slots[2 * i] === h) {
        const k = this.keys[i]!;
        if (k.length === len && t.startsWith(k, s)) return c;
      }
      i = (i + 1) & mask;
    }
    const key = ownCopy(t.slice(s, e));
    const c = this.countOf(key);
    if (++this.size > this.slots >> 1) {
      this.keys = new Array(this.slots);
      slots.fill(-1);
      this.size = 1;
      i = (h ^ (h >>> 15)) & mask;
    }
    this.keys[i] = key;
    slots[2 * i] = h;
    slots[2 * i + 1] = c;
    return c;
  }
}

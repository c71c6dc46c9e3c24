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
  get([h, l]: [number, number]): number | undefined {
    const mask = this.line.length - 1;
    for (let i = l & mask; ; i = (i + 1) & mask) {
      if (this.line[i] === 0) return undefined;
      if (this.lo[i] === l && this.hi[i] === h) return this.line[i];
    }
  }

  /** Add a digest; returns the earlier line if it was already there. */
  add(d: [number, number], line: number): number | undefined {
    const seen = this.get(d);
    if (seen !== undefined) return seen;
    if ((this.size + 1) * 2 > this.line.length) this.grow();
    this.put(d[0], d[1], line);
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

/**
 * The 64-bit digest of a record line with whitespace normalised, for duplicate detection: a run of whitespace
 * (raw, or escaped as \n \r \t inside strings) counts as one space, and a space next to a quote is dropped
 * (so strings are trimmed and JSON spacing is ignored). Hashes as it scans: no normalised copy is built.
 */
export function normalisedDigest(line: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  let pending = false;
  let prevQuote = false;
  const n = line.length;
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    // Fast path: most characters are neither whitespace, a quote nor a backslash.
    if (c > 34 && c !== 92) {
      if (pending) {
        pending = false;
        if (!prevQuote) {
          a = Math.imul(a ^ 32, 0x01000193);
          b = (b * 31 + 32) | 0;
        }
      }
      a = Math.imul(a ^ c, 0x01000193);
      b = (b * 31 + c) | 0;
      prevQuote = false;
      continue;
    }
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      pending = true;
      continue;
    }
    if (c === 92) {
      const e = line.charCodeAt(i + 1);
      if (e === 110 || e === 114 || e === 116) {
        pending = true;
        i++;
        continue;
      }
    }
    if (pending) {
      pending = false;
      if (c !== 34 && !prevQuote) {
        a = Math.imul(a ^ 32, 0x01000193);
        b = (b * 31 + 32) | 0;
      }
    }
    a = Math.imul(a ^ c, 0x01000193);
    b = (b * 31 + c) | 0;
    prevQuote = c === 34;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  b ^= b >>> 16;
  return [a >>> 0, b >>> 0];
}

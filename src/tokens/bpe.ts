/**
 * Rank-based byte-pair encoding (tiktoken's rule: repeatedly merge the adjacent pair whose joined bytes have the
 * lowest rank, the leftmost of equals) in O(n log n) with a heap over a linked list of parts. The libraries'
 * encoders rescan the whole piece after every merge, O(n²): a piece of 80,000 CJK characters (one pre-tokenizer
 * piece, as text without spaces is) took 19 s. Used for long pieces only; short ones stay with the library.
 */

/** Token bytes, as a latin1 string (one char per byte), → rank. */
export type Ranks = Map<string, number>;

/** Pieces this long (UTF-16 units) or longer are counted here rather than by the library's encoder. */
export const LONG_PIECE = 256;

/** The number of tokens rank-BPE makes of one piece's UTF-8 bytes. */
export function bpeCount(ranks: Ranks, piece: string): number {
  const buf = Buffer.from(piece, "utf8");
  const n = buf.length;
  if (n <= 1) return n;
  if (ranks.has(buf.toString("latin1", 0, n))) return 1;
  // Parts are byte ranges [start[i], start[next[i]]); removed parts have start -1.
  const start = new Int32Array(n + 1);
  const next = new Int32Array(n + 1);
  const prev = new Int32Array(n + 1);
  const version = new Uint32Array(n + 1);
  for (let i = 0; i <= n; i++) {
    start[i] = i;
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  // Heap of candidate merges: (rank, start offset of the left part, left part, its version at push time).
  let size = 0;
  let heapRank = new Float64Array(n);
  let heapPos = new Int32Array(n);
  let heapVer = new Uint32Array(n);
  const less = (a: number, b: number) => heapRank[a]! < heapRank[b]! || (heapRank[a] === heapRank[b] && heapPos[a]! < heapPos[b]!);
  const swap = (a: number, b: number) => {
    const r = heapRank[a]!;
    heapRank[a] = heapRank[b]!;
    heapRank[b] = r;
    const p = heapPos[a]!;
    heapPos[a] = heapPos[b]!;
    heapPos[b] = p;
    const v = heapVer[a]!;
    heapVer[a] = heapVer[b]!;
    heapVer[b] = v;
  };
  const push = (rank: number, pos: number, ver: number) => {
    if (size === heapRank.length) {
      const grow = <T extends Float64Array | Int32Array | Uint32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      heapRank = grow(heapRank);
      heapPos = grow(heapPos);
      heapVer = grow(heapVer);
    }
    let i = size++;
    heapRank[i] = rank;
    heapPos[i] = pos;
    heapVer[i] = ver;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(i, p)) break;
      swap(i, p);
      i = p;
    }
  };
  const pop = () => {
    size--;
    swap(0, size);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && less(l, m)) m = l;
      if (r < size && less(r, m)) m = r;
      if (m === i) break;
      swap(i, m);
      i = m;
    }
  };
  // The rank of part i joined with the part after it (parts are indexed by their start offset).
  const pairRank = (i: number): number | undefined => {
    const j = next[i]!;
    if (j >= n) return undefined;
    return ranks.get(buf.toString("latin1", i, next[j]!));
  };
  for (let i = 0; i < n - 1; i++) {
    const r = pairRank(i);
    if (r !== undefined) push(r, i, 0);
  }
  let parts = n;
  while (size > 0) {
    const pos = heapPos[0]!;
    const ver = heapVer[0]!;
    pop();
    if (start[pos] === -1 || version[pos] !== ver || next[pos]! >= n) continue;
    // Merge part `pos` with the part after it.
    const j = next[pos]!;
    start[j] = -1;
    next[pos] = next[j]!;
    prev[next[j]!] = pos;
    version[pos]!++;
    parts--;
    const r = pairRank(pos);
    if (r !== undefined) push(r, pos, version[pos]!);
    const p = prev[pos]!;
    if (p >= 0) {
      version[p]!++;
      const rp = pairRank(p);
      if (rp !== undefined) push(rp, p, version[p]!);
    }
  }
  return parts;
}

/** Ranks from gpt-tokenizer's tables: index = rank, value = the token as text, or its bytes when not UTF-8. */
export function ranksFromTable(table: readonly (string | number[])[]): Ranks {
  const m: Ranks = new Map();
  for (let rank = 0; rank < table.length; rank++) {
    const t = table[rank]!;
    m.set(typeof t === "string" ? Buffer.from(t, "utf8").toString("latin1") : Buffer.from(t).toString("latin1"), rank);
  }
  return m;
}

/** GPT-2's byte ↔ printable-character map, in which byte-level BPE vocabularies (Llama 3's too) spell tokens. */
function unicodeToByte(): Map<string, number> {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let k = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + k++);
    }
  }
  const m = new Map<string, number>();
  bs.forEach((b, i) => m.set(String.fromCharCode(cs[i]!), b));
  return m;
}

/** Ranks from a byte-level vocabulary listed by id (tiktoken-derived, so id = rank), in GPT-2's byte spelling. */
export function ranksFromByteVocab(vocabById: readonly string[], firstSpecial = Infinity): Ranks {
  const map = unicodeToByte();
  const m: Ranks = new Map();
  const n = Math.min(vocabById.length, firstSpecial);
  for (let id = 0; id < n; id++) {
    const s = vocabById[id]!;
    let key = "";
    let ok = true;
    for (const ch of s) {
      const b = map.get(ch);
      if (b === undefined) {
        ok = false;
        break;
      }
      key += String.fromCharCode(b);
    }
    if (ok) m.set(key, id);
  }
  return m;
}

import { readFileSync } from "node:fs";
import { PrepError } from "../record.js";
import { createRequire } from "node:module";
import { ShortBpe, vocabFromByteVocab } from "./bpe.js";
import { countPieces, nextPiece, ownCopy, PieceTable, type CapsDigits } from "./cl100k-split.js";
import { Llama2Bpe } from "./llama2.js";
import { tokensFromTable, Vocab } from "./vocab.js";

type Count = ((text: string) => number) & {
  /** Count piece by piece until `stop(tokens so far, index where the rest starts)` says enough. */
  prefix?: (text: string, stop: (tokens: number, at: number) => boolean) => { tokens: number; stopped: boolean; at: number };
  /** The count, with the text's ASCII capitals and digits added to `out` from the same pass (cl100k's scanner). */
  withCapsDigits?: (text: string, out: CapsDigits) => number;
};

// Vocabularies are loaded on first use only: Llama 3's alone costs ~190 MB and 0.3 s, wasted on a file no rule
// needs to count.
const loaders: Record<string, () => Promise<Count>> = {
  // gpt-tokenizer's rank tables and pre-tokenizer patterns, counted by our rank-BPE (ShortBpe, bpeCount): the same
  // counts as its encoder (tests compare them on every script), ~3× faster on non-Latin text, and its encoder
  // module is never loaded.
  // cl100k's pre-tokenizer by our scanner (cl100k-split.ts: the same pieces as gpt-tokenizer's expression, tested).
  cl100k: async () => lineCached(pieceCached(nextPiece, await tableVocab("cl100k_base", () => import("gpt-tokenizer/bpeRanks/cl100k_base")))),
  o200k: async () => {
    const [{ O200K_TOKEN_SPLIT_REGEX }, vocab] = await Promise.all([import("gpt-tokenizer/encodingParams/constants"), tableVocab("o200k_base", () => import("gpt-tokenizer/bpeRanks/o200k_base"))]);
    return pieceCached(regexPieces(O200K_TOKEN_SPLIT_REGEX), vocab);
  },
  // Llama 3's byte-level BPE is tiktoken's (id = rank below 128,000), so our rank-BPE counts it from its vocabulary
  // (dist/tokens/llama3.bpe, written at build time from llama3-tokenizer-js's): the library, ~0.3 s and ~190 MB to
  // load and ~6× cl100k's time per count, is not loaded. Its pre-tokenizer is cl100k's expression, so cl100k's
  // scanner and line sums serve it; its special tokens count one each, as the library counts them.
  llama3: async () => llama3Count(await llama3Vocab()),
  // llama-tokenizer-js's BPE over integer tables (llama2.ts), read from the file `npm run build` writes.
  llama2: async () => {
    const bpe = await llama2Tables();
    return llama2Words((t, first) => bpe.count(t, first));
  },
};
const loaded = new Map<string, Promise<Count>>();

// Llama 3's special tokens (tokenizer.json's added tokens): each is one token where the text holds it.
const LLAMA3_SPECIAL_SOURCE = "<\\|(?:begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|eom_id|python_tag|finetune_right_pad_id|reserved_special_token_(?:[0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-3][0-9]|24[0-7]))\\|>";
const LLAMA3_SPECIAL = new RegExp(`(${LLAMA3_SPECIAL_SOURCE})`);



/** An installed package's version (from its package.json). */
function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(createRequire(import.meta.url).resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
}

/** What a vocabulary file written at build time must say it holds: the table's name and gpt-tokenizer's version. */
export function vocabTag(table: string): string {
  return `gpt-tokenizer ${packageVersion("gpt-tokenizer")} ${table}`;
}

/** A file `npm run build` writes to dist/tokens/: beside this module, or beside the bundled CLI's chunks (../tokens/). */
function built<T>(name: string, read: (file: URL) => T | undefined): T | undefined {
  return read(new URL(`./${name}`, import.meta.url)) ?? read(new URL(`../tokens/${name}`, import.meta.url));
}

/**
 * A gpt-tokenizer rank table as a {@link Vocab}: from the file `npm run build` writes to dist/tokens/ (`NAME.bpe`,
 * ~5 ms), else built from the table module (~0.3 s: running from src/, or a file of another version).
 */
async function tableVocab(table: string, load: () => Promise<{ default: (string | number[])[] }>): Promise<Vocab> {
  const tag = vocabTag(table);
  return built(`${table}.bpe`, (f) => Vocab.read(f, tag)) ?? Vocab.fromTokens(tokensFromTable((await load()).default));
}

/** What the Llama 2 tables file must say it holds: llama-tokenizer-js's version. */
export function llama2Tag(): string {
  return `llama-tokenizer-js ${packageVersion("llama-tokenizer-js")}`;
}

/** Llama 2's tables: from dist/tokens/llama2.bpe (~10 ms), else from the library's own (~80 ms to import). */
export async function llama2Tables(): Promise<Llama2Bpe> {
  const tag = llama2Tag();
  return built("llama2.bpe", (f) => Llama2Bpe.read(f, tag)) ?? Llama2Bpe.fromLibrary((await import("llama-tokenizer-js")).default as never);
}

/** What the Llama 3 vocabulary file must say it holds: llama3-tokenizer-js's version. */
export function llama3Tag(): string {
  return `llama3-tokenizer-js ${packageVersion("llama3-tokenizer-js")}`;
}

/** Llama 3's ranks: from dist/tokens/llama3.bpe, else from the library's vocabulary (~0.3 s to import). */
export async function llama3Vocab(): Promise<Vocab> {
  return built("llama3.bpe", (f) => Vocab.read(f, llama3Tag())) ?? vocabFromByteVocab(((await import("llama3-tokenizer-js")).default as { vocabById: string[] }).vocabById, LLAMA3_FIRST_SPECIAL);
}
const LLAMA3_FIRST_SPECIAL = 128_000;

/** Llama 3 counts: special tokens one each, the text between them piece by piece (pre-tokenized afresh after each). */
function llama3Count(vocab: Vocab): Count {
  const text = lineCached(pieceCached(nextPiece, vocab));
  const withSpecials = (t: string): number => {
    let n = 0;
    // The expression captures the special tokens: they are the odd parts.
    t.split(LLAMA3_SPECIAL).forEach((part, i) => (n += i % 2 ? 1 : part === "" ? 0 : text(part)));
    return n;
  };
  const count: Count = (t) => (t.includes("<|") ? withSpecials(t) : text(t));
  count.prefix = (t, stop) => (t.includes("<|") ? { tokens: withSpecials(t), stopped: false, at: t.length } : text.prefix!(t, stop));
  return count;
}

/**
 * tiktoken-style BPE encodes each pre-tokenizer piece on its own, so a count is the sum of its pieces' counts;
 * caching counts per piece makes repeated words nearly free (7× faster on DialogSum text, identical results).
 * `next(text, p)` is where the piece starting at p ends; pieces are looked up in place ({@link PieceTable}).
 */
function pieceCached(next: (t: string, p: number) => number, vocab: Vocab): Count {
  // ShortBpe's scan for short pieces; a long one (text without spaces: CJK, base64, minified code) by the
  // O(n log n) merge.
  const fast = new ShortBpe(vocab);
  const table = new PieceTable((p) => fast.count(p));
  if (next === nextPiece) {
    const count: Count = (text) => countPieces(text, table);
    count.withCapsDigits = (text, out) => countPieces(text, table, out);
    count.prefix = prefixOf(next, table);
    return count;
  }
  const count: Count = (text) => {
    let n = 0;
    for (let p = 0; p < text.length; ) {
      const e = next(text, p);
      n += table.get(text, p, e);
      p = e;
    }
    return n;
  };
  count.prefix = prefixOf(next, table);
  return count;
}

/** Counting piece by piece until told to stop ({@link Count.prefix}). */
function prefixOf(next: (t: string, p: number) => number, table: PieceTable): NonNullable<Count["prefix"]> {
  // The pieces cover the text end to end, so the rest of a text starts where the last piece ended.
  return (text, stop) => {
    let n = 0;
    for (let p = 0; p < text.length; ) {
      const e = next(text, p);
      n += table.get(text, p, e);
      p = e;
      if (stop(n, p)) return { tokens: n, stopped: true, at: p };
    }
    return { tokens: n, stopped: false, at: text.length };
  };
}

/** A pre-tokenizer's expression as `next` for {@link pieceCached}: its alternatives match any character, so the match at p is the piece. */
function regexPieces(split: RegExp): (t: string, p: number) => number {
  const re = new RegExp(split.source, split.flags.replace("g", "") + "y");
  return (t, p) => {
    re.lastIndex = p;
    return re.test(t) && re.lastIndex > p ? re.lastIndex : p + 1;
  };
}

/**
 * Llama 2's SentencePiece BPE runs over the whole text (spaces as ▁, one ▁ put in front), with no pre-tokenizer to
 * make counts add up piece by piece. But no token of its 32,000 has a ▁ after another character (test/unit checks
 * the vocabulary), so no merge crosses into a ▁ that follows a non-space: the text's count is the sum of its words'
 * counts, each word a run of spaces and what follows up to the next such run, the first with the leading ▁ added.
 * Counting by cached words is the library's result (DialogSum: 24,920 texts, all equal) at a fraction of the cost.
 */
export function llama2Words(encode: (text: string, first: boolean) => number): Count {
  // Words are looked up in place (no string per word), the first word of a text in a table of its own.
  const later = new PieceTable((w) => encode(w, false));
  const firsts = new PieceTable((w) => encode(w, true), 1 << 16);
  return (t) => {
    if (t === "") return 0;
    let n = 0;
    let start = 0;
    for (let i = t.indexOf(" ", 1); i !== -1; i = t.indexOf(" ", i + 1)) {
      if (t.charCodeAt(i - 1) === 32) continue;
      n += (start === 0 ? firsts : later).get(t, start, i);
      start = i;
    }
    return n + (start === 0 ? firsts : later).get(t, start, t.length);
  };
}

/**
 * cl100k's pre-tokenizer never lets a piece run from a line break into a following non-space character (pieces
 * holding \r or \n end with them), and has no look-behind: so a text's count is the sum of its line segments'
 * counts, each segment ending after a run of line breaks followed by non-space. Chunking PDFs measures the same
 * lines again and again (paragraph, then line, then the chunk around them): a segment cache makes that ~one pass.
 * (o200k's `[\r\n/]*` can carry a piece over a break into a "/", so this is for cl100k only.)
 */
function lineCached(pieces: Count): Count {
  const cache = new Map<string, number>();
  // The cache pays where segments come back (chunking a PDF finds ~80 % of its look-ups); over text whose lines
  // mostly do not (DialogSum records: ~20 %, from lines such as "#Person2#: Yes."), hashing and copying each segment
  // costs more than the hits save: with the cache, `validate --stats` on DialogSum took 6.1 s, without it 5.5 s. So
  // its hits are watched: a window of look-ups with fewer than one in three found turns it off for a while, then it
  // is tried again. Counts are the same either way (the cache only remembers them).
  let lookups = 0;
  let hits = 0;
  let off = 0;
  // With `out`, the capitals and digits too: from the pieces' own pass, or for a remembered segment by a scan.
  const counted = (t: string, out: CapsDigits | undefined): number => (out ? pieces.withCapsDigits!(t, out) : pieces(t));
  const segment = (t: string, out: CapsDigits | undefined): number => {
    if (off > 0) {
      off--;
      return counted(t, out);
    }
    let c = cache.get(t);
    if (c === undefined) {
      c = counted(t, out);
      if (cache.size >= SEGMENT_CACHE_LIMIT) cache.clear();
      cache.set(ownCopy(t), c);
    } else {
      hits++;
      if (out) out.capsDigits += capsDigitsOf(t);
    }
    if (++lookups === SEGMENT_WINDOW) {
      if (hits * 3 < SEGMENT_WINDOW) off = SEGMENT_OFF;
      lookups = hits = 0;
    }
    return c;
  };
  const sum = (text: string, out?: CapsDigits): number => {
    let n = 0;
    let start = 0;
    for (let i = text.indexOf("\n"); i !== -1; ) {
      let j = i + 1;
      while (j < text.length && (text.charCodeAt(j) === 10 || text.charCodeAt(j) === 13)) j++;
      if (j < text.length && !WS.test(text[j]!)) {
        n += segment(text.slice(start, j), out);
        start = j;
      }
      i = text.indexOf("\n", j);
    }
    return n + (start === 0 ? counted(text, out) : segment(text.slice(start), out));
  };
  const count: Count = (text) => sum(text);
  if (pieces.withCapsDigits) count.withCapsDigits = sum;
  count.prefix = pieces.prefix;
  return count;
}
const WS = /\s/;
const SEGMENT_CACHE_LIMIT = 50_000;
const SEGMENT_WINDOW = 4096;
const SEGMENT_OFF = 65_536;

// The loading promise is shared, so calls made while a vocabulary loads wait for the same load.
function load(name: string): Promise<Count> {
  let c = loaded.get(name);
  if (!c) {
    c = loaders[name]!();
    loaded.set(name, c);
    c.catch(() => loaded.delete(name));
  }
  return c;
}

/** Figures of a JSONL line's raw UTF-8 bytes (the duplicate digest counts them in the same pass). */
export interface LineFigures {
  bytes: number;
  /** Bytes ≥ 0x80: at least one per non-ASCII character written raw. */
  highBytes: number;
  /** ASCII capitals and digits. */
  capsDigits: number;
}

/** Counts tokens of a text. `exact` counters are the model's own public tokenizer; others are labelled estimates. */
export interface TokenCounter {
  name: string;
  exact: boolean;
  count(text: string): number;
  /**
   * A number no count can exceed for a text of this many UTF-8 bytes (never smaller for more bytes): lets checks
   * skip counting short texts.
   */
  upperBound(utf8Bytes: number): number;
  /** A tighter bound from the text's character classes (still no tokenizing), where the counter has one. */
  textBound?(text: string, utf8Bytes: number): number;
  /**
   * The count, or a bound within `allowance` found by counting only a prefix exactly (the rest bounded by its
   * bytes), where the counter can count piece by piece.
   */
  countWithin?(text: string, utf8Bytes: number, allowance: number): { tokens: number; exact: boolean };
  /**
   * A bound on the tokens of all texts drawn from one JSONL line's string values together (a record's input and
   * output, system prompt and turns joined), from figures of the line's raw bytes: lets `validate` skip every token
   * step for records that cannot reach a limit.
   */
  lineBound(line: LineFigures): number;
  description: string;
}

/** Non-ASCII characters (a surrogate pair counts once), and ASCII capitals and digits. */
function charClasses(text: string): { nonAscii: number; capsDigits: number } {
  return { nonAscii: nonAsciiOf(text), capsDigits: capsDigitsOf(text) };
}

/** Non-ASCII characters (a surrogate pair counts once). */
function nonAsciiOf(text: string): number {
  // By what the engine's expressions remove, not a loop over characters: half the time on DialogSum text. A text
  // whose UTF-8 length is its length is all ASCII.
  return Buffer.byteLength(text) === text.length ? 0 : text.length - text.replace(NON_ASCII, "").length;
}

/** ASCII capitals and digits (all the text bound needs of the classes). */
const capsDigitsOf = (text: string): number => text.replace(NOT_CAPS_DIGITS, "").length;
const NOT_CAPS_DIGITS = /[^A-Z0-9]+/g;
/** A UTF-16 unit of a non-ASCII character: each character once (a low surrogate is the second unit of its pair). */
const NON_ASCII = /[^\u0000-\u007f\udc00-\udfff]+/g;

/**
 * Count a prefix exactly until the count so far plus the rest's bytes (a byte-level BPE never makes more tokens
 * than bytes; the rest's bytes are at most its UTF-16 length plus the whole text's extra UTF-8 bytes) is within the
 * allowance.
 */
function byteLevelWithin(base: Count): NonNullable<TokenCounter["countWithin"]> {
  return (t, bytes, allowance) => {
    const extra = bytes - t.length;
    const r = base.prefix!(t, (n, at) => n + (t.length - at) + extra <= allowance);
    return r.stopped ? { tokens: r.tokens + (t.length - r.at) + extra, exact: false } : { tokens: r.tokens, exact: true };
  };
}

/** Byte-level BPEs (cl100k, o200k, Llama 3) never make more tokens than bytes. */
const byteLevel = (bytes: number) => bytes;

/**
 * The conservative estimate for models without a public tokenizer (Titan, Claude 3, Nova, Cohere).
 * 1.3 × cl100k + one per non-ASCII character + half per ASCII capital or digit + 8. On ../shared/corpus text
 * (English, Chinese, Japanese, Korean, Russian, Arabic) this is never below the exact count of cl100k, o200k,
 * Llama 3 or Llama 2 (the most token-hungry: Korean at 1.74 × cl100k, and all-caps titles and digit tables, which
 * Llama 2 splits finely); for English prose it budgets ~3.4 characters per token, under the ~4.07 a real Titan job
 * showed (20,000 characters → 4,919 tokens). Never the documented "6 characters per token".
 */
export const ESTIMATE_FORMULA = "ceil(1.3 × cl100k + non-ASCII characters + 0.5 × ASCII capitals and digits) + 8";

interface CounterSpec {
  base: string;
  exact: boolean;
  description: string;
  upperBound: (bytes: number) => number;
  textBound?: (text: string, bytes: number) => number;
  lineBound: (line: LineFigures) => number;
  make?: (base: Count) => Count;
  within?: (base: Count) => NonNullable<TokenCounter["countWithin"]>;
}

const specs: Record<string, CounterSpec> = {
  llama3: { base: "llama3", exact: true, description: "Llama 3 tokenizer (Meta's vocabulary from llama3-tokenizer-js, counted by prep-data's rank-BPE; the same counts as Meta's tokenizer.json)", upperBound: byteLevel, lineBound: (l) => l.bytes, within: byteLevelWithin },
  // SentencePiece with byte fallback: at most one token per byte, plus the leading-space piece.
  llama2: { base: "llama2", exact: true, description: "Llama 2 SentencePiece tokenizer (llama-tokenizer-js)", upperBound: (b) => b + 1, lineBound: (l) => l.bytes + 4 },
  cl100k: { base: "cl100k", exact: true, description: "OpenAI cl100k_base (gpt-tokenizer)", upperBound: byteLevel, lineBound: (l) => l.bytes, within: byteLevelWithin },
  o200k: { base: "o200k", exact: true, description: "OpenAI o200k_base (gpt-tokenizer)", upperBound: byteLevel, lineBound: (l) => l.bytes, within: byteLevelWithin },
  estimate: {
    base: "cl100k",
    exact: false,
    description: `estimated: ${ESTIMATE_FORMULA}`,
    // cl100k ≤ bytes, a non-ASCII character takes at least 2 bytes, a capital or digit 1.
    upperBound: (b) => Math.ceil(2.3 * b) + 8,
    // The same terms with the text's own classes: a non-ASCII character takes one more UTF-8 byte than UTF-16
    // units at least, so bytes − length bounds their number; capitals and digits are counted.
    textBound: (t, b) => Math.ceil(1.3 * b + (b - t.length) + 0.5 * capsDigitsOf(t)) + 8,
    // A text's bytes, capitals and digits all come from the line (an escape such as \u00e9 takes more line bytes
    // than the character's own terms); + 8 for each of at most two parts, with room for rounding.
    lineBound: (l) => Math.ceil(1.3 * l.bytes + l.highBytes + 0.5 * l.capsDigits) + 20,
    make: (cl) => {
      // cl100k's scanner counts the capitals and digits in its own pass (a separate scan was 8 % of a
      // `validate --stats` worker's time).
      const out: CapsDigits = { capsDigits: 0 };
      const withCaps = cl.withCapsDigits;
      // Without it: the counter loaded with `vocabulary: false`, whose count throws (cl100k's own always has it).
      if (!withCaps) return (t) => cl(t);
      return (t) => {
        const nonAscii = nonAsciiOf(t);
        out.capsDigits = 0;
        const tokens = withCaps(t, out);
        return Math.ceil(1.3 * tokens + nonAscii + 0.5 * out.capsDigits) + 8;
      };
    },
    within: (cl) => (t, bytes, allowance) => {
      const k = charClasses(t);
      const est = (tokens: number) => Math.ceil(1.3 * tokens + k.nonAscii + 0.5 * k.capsDigits) + 8;
      const extra = bytes - t.length;
      const r = cl.prefix!(t, (n, at) => est(n + (t.length - at) + extra) <= allowance);
      return r.stopped ? { tokens: est(r.tokens + (t.length - r.at) + extra), exact: false } : { tokens: est(r.tokens), exact: true };
    },
  },
};

export const tokenizerNames = Object.keys(specs);

/**
 * A token counter, with its vocabulary loaded (once per process; later calls reuse it). With `vocabulary: false`
 * nothing is loaded: names, descriptions and bounds work, counting throws.
 */
export async function loadTokenCounter(name: string, opts: { vocabulary?: boolean } = {}): Promise<TokenCounter> {
  const spec = specs[name];
  if (!spec) throw new PrepError(`unknown tokenizer "${name}"; expected one of: ${tokenizerNames.join(", ")}`, 2);
  const base: Count =
    opts.vocabulary === false
      ? () => {
          throw new Error(`the ${name} vocabulary was not loaded`);
        }
      : await load(spec.base);
  return { name, exact: spec.exact, description: spec.description, upperBound: spec.upperBound, lineBound: spec.lineBound, ...(spec.textBound ? { textBound: spec.textBound } : {}), ...(spec.within && base.prefix ? { countWithin: spec.within(base) } : {}), count: spec.make ? spec.make(base) : base };
}

/** Count only when the count could matter: the exact count, or the bound when it is already within `limit`. */
export function countUpTo(counter: TokenCounter, text: string, limit: number): { tokens: number; counted: boolean } {
  const bytes = Buffer.byteLength(text);
  const bound = counter.upperBound(bytes);
  if (bound <= limit) return { tokens: bound, counted: false };
  const tighter = counter.textBound?.(text, bytes);
  if (tighter !== undefined && tighter <= limit) return { tokens: tighter, counted: false };
  return { tokens: counter.count(text), counted: true };
}

/**
 * The summed count of several texts, as far as a limit on the sum needs it: byte bounds, then character-class
 * bounds, then exact counts. Empty texts count 0.
 */
export function countSumUpTo(counter: TokenCounter, texts: string[], limit: number): { tokens: number; counted: boolean } {
  const parts = texts.filter((t) => t !== "");
  // UTF-8 takes at most 3 bytes per UTF-16 unit: texts this short cannot reach the limit, whatever their bytes
  // (most records of a fine-tuning set; measuring their bytes was most of a checked run's token work).
  let most = 0;
  for (const t of parts) most += counter.upperBound(3 * t.length);
  if (most <= limit) return { tokens: most, counted: false };
  const bytes = parts.map((t) => Buffer.byteLength(t));
  const bounds = bytes.map((b) => counter.upperBound(b));
  const sum = () => bounds.reduce((a, b) => a + b, 0);
  if (sum() <= limit) return { tokens: sum(), counted: false };
  if (counter.textBound) {
    for (let i = 0; i < parts.length; i++) bounds[i] = counter.textBound(parts[i]!, bytes[i]!);
    if (sum() <= limit) return { tokens: sum(), counted: false };
  }
  // Count each part, exactly or until its bound fits what the other parts' bounds leave. A part stops early only
  // when the sum is then within the limit, so a sum over the limit is always an exact count.
  let exact = true;
  for (let i = 0; i < parts.length; i++) {
    if (counter.countWithin) {
      const r = counter.countWithin(parts[i]!, bytes[i]!, limit - (sum() - bounds[i]!));
      bounds[i] = r.tokens;
      exact &&= r.exact;
    } else bounds[i] = counter.count(parts[i]!);
  }
  return { tokens: sum(), counted: exact };
}

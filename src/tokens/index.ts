import { PrepError } from "../record.js";

type Count = (text: string) => number;

// Vocabularies are loaded on first use only: Llama 3's alone costs ~190 MB and 0.3 s, wasted on a file no rule
// needs to count.
const loaders: Record<string, () => Promise<Count>> = {
  cl100k: async () => {
    const [{ countTokens }, { CL100K_TOKEN_SPLIT_REGEX }] = await Promise.all([import("gpt-tokenizer/encoding/cl100k_base"), import("gpt-tokenizer/encodingParams/constants")]);
    return pieceCached(countTokens, CL100K_TOKEN_SPLIT_REGEX);
  },
  o200k: async () => {
    const [{ countTokens }, { O200K_TOKEN_SPLIT_REGEX }] = await Promise.all([import("gpt-tokenizer/encoding/o200k_base"), import("gpt-tokenizer/encodingParams/constants")]);
    return pieceCached(countTokens, O200K_TOKEN_SPLIT_REGEX);
  },
  llama3: async () => {
    const l3 = (await import("llama3-tokenizer-js")).default;
    return (t) => l3.encode(t, { bos: false, eos: false }).length;
  },
  llama2: async () => {
    const l2 = (await import("llama-tokenizer-js")).default;
    return (t) => (t === "" ? 0 : l2.encode(t, false, true).length);
  },
};
const loaded = new Map<string, Count>();

// Special-token strings in data ("<|endoftext|>") are text to count, not an error.
const AS_TEXT = { disallowedSpecial: new Set<string>() };
const CACHE_LIMIT = 200_000;

/**
 * tiktoken-style BPE encodes each pre-tokenizer piece on its own, so a count is the sum of its pieces' counts;
 * caching counts per piece makes repeated words nearly free (7× faster on DialogSum text, identical results).
 */
function pieceCached(countTokens: (t: string, o: typeof AS_TEXT) => number, split: RegExp): Count {
  const re = new RegExp(split.source, split.flags.includes("g") ? split.flags : split.flags + "g");
  const cache = new Map<string, number>();
  return (text) => {
    let n = 0;
    for (const m of text.matchAll(re)) {
      const piece = m[0];
      let c = cache.get(piece);
      if (c === undefined) {
        c = countTokens(piece, AS_TEXT);
        if (cache.size >= CACHE_LIMIT) cache.clear();
        cache.set(piece, c);
      }
      n += c;
    }
    return n;
  };
}
async function load(name: string): Promise<Count> {
  let c = loaded.get(name);
  if (!c) {
    c = await loaders[name]!();
    loaded.set(name, c);
  }
  return c;
}

/** Counts tokens of a text. `exact` counters are the model's own public tokenizer; others are labelled estimates. */
export interface TokenCounter {
  name: string;
  exact: boolean;
  count(text: string): number;
  /** A number no count can exceed for a text of this many UTF-8 bytes: lets checks skip counting short texts. */
  upperBound(utf8Bytes: number): number;
  /** A tighter bound from the text's character classes (still no tokenizing), where the counter has one. */
  textBound?(text: string, utf8Bytes: number): number;
  description: string;
}

/** Non-ASCII characters (a surrogate pair counts once), and ASCII capitals and digits. */
function charClasses(text: string): { nonAscii: number; capsDigits: number } {
  let nonAscii = 0;
  let capsDigits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) {
      if (c < 0xdc00 || c > 0xdfff) nonAscii++;
    } else if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57)) capsDigits++;
  }
  return { nonAscii, capsDigits };
}

function capsAndDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 90 && (c >= 65 || (c >= 48 && c <= 57))) n++;
  }
  return n;
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
  make?: (base: Count) => Count;
}

const specs: Record<string, CounterSpec> = {
  llama3: { base: "llama3", exact: true, description: "Llama 3 tokenizer (llama3-tokenizer-js; same ids as Meta's tokenizer.json)", upperBound: byteLevel },
  // SentencePiece with byte fallback: at most one token per byte, plus the leading-space piece.
  llama2: { base: "llama2", exact: true, description: "Llama 2 SentencePiece tokenizer (llama-tokenizer-js)", upperBound: (b) => b + 1 },
  cl100k: { base: "cl100k", exact: true, description: "OpenAI cl100k_base (gpt-tokenizer)", upperBound: byteLevel },
  o200k: { base: "o200k", exact: true, description: "OpenAI o200k_base (gpt-tokenizer)", upperBound: byteLevel },
  estimate: {
    base: "cl100k",
    exact: false,
    description: `estimated: ${ESTIMATE_FORMULA}`,
    // cl100k ≤ bytes, a non-ASCII character takes at least 2 bytes, a capital or digit 1.
    upperBound: (b) => Math.ceil(2.3 * b) + 8,
    // The same terms with the text's own classes: a non-ASCII character takes one more UTF-8 byte than UTF-16
    // units at least, so bytes − length bounds their number; capitals and digits are counted.
    textBound: (t, b) => Math.ceil(1.3 * b + (b - t.length) + 0.5 * capsAndDigits(t)) + 8,
    make: (cl) => (t) => {
      const k = charClasses(t);
      return Math.ceil(1.3 * cl(t) + k.nonAscii + 0.5 * k.capsDigits) + 8;
    },
  },
};

export const tokenizerNames = Object.keys(specs);

/** A token counter, with its vocabulary loaded (once per process; later calls reuse it). */
export async function loadTokenCounter(name: string): Promise<TokenCounter> {
  const spec = specs[name];
  if (!spec) throw new PrepError(`unknown tokenizer "${name}"; expected one of: ${tokenizerNames.join(", ")}`, 2);
  const base = await load(spec.base);
  return { name, exact: spec.exact, description: spec.description, upperBound: spec.upperBound, ...(spec.textBound ? { textBound: spec.textBound } : {}), count: spec.make ? spec.make(base) : base };
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
  const bytes = parts.map((t) => Buffer.byteLength(t));
  let sum = 0;
  for (const b of bytes) sum += counter.upperBound(b);
  if (sum <= limit) return { tokens: sum, counted: false };
  if (counter.textBound) {
    sum = 0;
    for (let i = 0; i < parts.length; i++) sum += counter.textBound(parts[i]!, bytes[i]!);
    if (sum <= limit) return { tokens: sum, counted: false };
  }
  sum = 0;
  for (const t of parts) sum += counter.count(t);
  return { tokens: sum, counted: true };
}

/**
 * Document quality rules for continued pre-training text, after Gopher (Rae et al. 2021, table A1) as HF datatrove's
 * `GopherQualityFilter` and `GopherRepetitionFilter` define them: the same statistics and default thresholds, over
 * a Unicode word tokenizer (letters/digits runs are words, runs of other non-space characters are symbol tokens)
 * instead of NLTK's. Each rule that fails names itself: the reason a record is removed.
 */

export interface QualityRules {
  /** At least this many words (tokens with a letter or digit). Gopher: 50. */
  minWords?: number;
  /** At most this many words. Gopher: 100,000. */
  maxWords?: number;
  /** Mean word length (of words) within [min, max]. Gopher: 3–10. */
  wordLength?: [number, number];
  /** `#` per word and `...`/`…` per word, each at most this. Gopher: 0.1. */
  maxSymbolRatio?: number;
  /** Fraction of lines starting with a bullet (•, -, *, ‣, ◦, ▪) at most this. Gopher: 0.9. */
  maxBulletLines?: number;
  /** Fraction of lines ending in an ellipsis at most this. Gopher: 0.3. */
  maxEllipsisLines?: number;
  /** Fraction of tokens with a letter at least this. Gopher: 0.8. */
  minAlphaWords?: number;
  /** At least this many English stop words (the, be, to, of, and, that, have, with). Gopher: 2. */
  minStopWords?: number;
  /** Gopher's repetition rules (duplicate lines and paragraphs, top and duplicated n-grams), at these thresholds. */
  repetition?: RepetitionRules;
}

export interface RepetitionRules {
  dupLineFrac: number;
  dupParaFrac: number;
  dupLineCharFrac: number;
  dupParaCharFrac: number;
  /** [n, max fraction of characters in the most frequent n-gram]. */
  topNGrams: [number, number][];
  /** [n, max fraction of characters in duplicated n-grams]. */
  dupNGrams: [number, number][];
}

/** Gopher's quality thresholds (datatrove's defaults). */
export const GOPHER_QUALITY: Readonly<Omit<QualityRules, "repetition">> = {
  minWords: 50,
  maxWords: 100_000,
  wordLength: [3, 10],
  maxSymbolRatio: 0.1,
  maxBulletLines: 0.9,
  maxEllipsisLines: 0.3,
  minAlphaWords: 0.8,
  minStopWords: 2,
};

/** Gopher's repetition thresholds (datatrove's defaults). */
export const GOPHER_REPETITION: Readonly<RepetitionRules> = {
  dupLineFrac: 0.3,
  dupParaFrac: 0.3,
  dupLineCharFrac: 0.2,
  dupParaCharFrac: 0.2,
  topNGrams: [
    [2, 0.2],
    [3, 0.18],
    [4, 0.16],
  ],
  dupNGrams: [
    [5, 0.15],
    [6, 0.14],
    [7, 0.13],
    [8, 0.12],
    [9, 0.11],
    [10, 0.1],
  ],
};

const STOP_WORDS = new Set(["the", "be", "to", "of", "and", "that", "have", "with"]);
const TOKEN = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{M}]+)*|[^\s\p{L}\p{N}\p{M}]+/gu;
const HAS_WORD_CHAR = /[\p{L}\p{N}]/u;
const HAS_LETTER = /\p{L}/u;
const BULLET = /^\s*[•\-*‣◦▪●–]/u;
const ELLIPSIS_END = /(\.\.\.|…)\s*$/u;

/** Why a text fails the rules: a reason (a rule's name) and a message with the figure, or undefined when it passes. */
export function qualityFailure(text: string, r: QualityRules): { reason: string; message: string } | undefined {
  const tokens = text.match(TOKEN) ?? [];
  const words = tokens.filter((t) => HAS_WORD_CHAR.test(t));
  const n = words.length;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  if (r.minWords !== undefined && n < r.minWords) return { reason: "min-words", message: `${n} words, fewer than ${r.minWords}` };
  if (r.maxWords !== undefined && n > r.maxWords) return { reason: "max-words", message: `${n} words, more than ${r.maxWords}` };
  if (r.wordLength && n) {
    const mean = words.reduce((a, w) => a + [...w].length, 0) / n;
    if (mean < r.wordLength[0] || mean > r.wordLength[1]) return { reason: "word-length", message: `mean word length ${mean.toFixed(1)}, outside ${r.wordLength[0]}–${r.wordLength[1]}` };
  }
  if (r.maxSymbolRatio !== undefined) {
    const per = Math.max(1, n);
    const hashes = count(text, "#") / per;
    const ellipses = (count(text, "...") + count(text, "…")) / per;
    if (hashes > r.maxSymbolRatio) return { reason: "symbol-ratio", message: `${hashes.toFixed(2)} '#' per word, over ${r.maxSymbolRatio}` };
    if (ellipses > r.maxSymbolRatio) return { reason: "symbol-ratio", message: `${ellipses.toFixed(2)} ellipses per word, over ${r.maxSymbolRatio}` };
  }
  if (r.maxBulletLines !== undefined || r.maxEllipsisLines !== undefined) {
    const lines = text.split(/\r?\n/);
    if (r.maxBulletLines !== undefined) {
      const f = lines.filter((l) => BULLET.test(l)).length / lines.length;
      if (f > r.maxBulletLines) return { reason: "bullet-lines", message: `${pct(f)} of lines are bullets, over ${pct(r.maxBulletLines)}` };
    }
    if (r.maxEllipsisLines !== undefined) {
      const f = lines.filter((l) => ELLIPSIS_END.test(l)).length / lines.length;
      if (f > r.maxEllipsisLines) return { reason: "ellipsis-lines", message: `${pct(f)} of lines end in an ellipsis, over ${pct(r.maxEllipsisLines)}` };
    }
  }
  if (r.minAlphaWords !== undefined && tokens.length) {
    const f = tokens.filter((t) => HAS_LETTER.test(t)).length / tokens.length;
    if (f < r.minAlphaWords) return { reason: "alpha-words", message: `${pct(f)} of tokens have a letter, under ${pct(r.minAlphaWords)}` };
  }
  if (r.minStopWords !== undefined) {
    let stops = 0;
    for (const w of words) if (STOP_WORDS.has(w.toLowerCase()) && ++stops >= r.minStopWords) break;
    if (stops < r.minStopWords) return { reason: "stop-words", message: `${stops} English stop words (the, be, to, of, and, that, have, with), fewer than ${r.minStopWords}` };
  }
  if (r.repetition) return repetitionFailure(text, words, r.repetition);
  return undefined;
}

function count(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

/** Elements seen before (after the first of each) and their characters. */
function duplicates(xs: string[]): { elements: number; chars: number } {
  const seen = new Set<string>();
  let elements = 0;
  let chars = 0;
  for (const x of xs) {
    if (seen.has(x)) {
      elements++;
      chars += x.length;
    } else seen.add(x);
  }
  return { elements, chars };
}

function repetitionFailure(text: string, words: string[], r: RepetitionRules): { reason: string; message: string } | undefined {
  const len = Math.max(1, text.length);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const paras = text.trim().split(/\n{2,}/);
  const p = duplicates(paras);
  if (p.elements / paras.length > r.dupParaFrac) return { reason: "repeated-paragraphs", message: `${pct(p.elements / paras.length)} of paragraphs are repeats, over ${pct(r.dupParaFrac)}` };
  if (p.chars / len > r.dupParaCharFrac) return { reason: "repeated-paragraphs", message: `${pct(p.chars / len)} of characters are in repeated paragraphs, over ${pct(r.dupParaCharFrac)}` };
  const lines = text.split(/\n+/);
  const l = duplicates(lines);
  if (l.elements / lines.length > r.dupLineFrac) return { reason: "repeated-lines", message: `${pct(l.elements / lines.length)} of lines are repeats, over ${pct(r.dupLineFrac)}` };
  if (l.chars / len > r.dupLineCharFrac) return { reason: "repeated-lines", message: `${pct(l.chars / len)} of characters are in repeated lines, over ${pct(r.dupLineCharFrac)}` };
  for (const [n, max] of r.topNGrams) {
    if (words.length < n) continue;
    const counts = new Map<string, number>();
    let top = 0;
    for (let i = 0; i + n <= words.length; i++) {
      const g = words.slice(i, i + n).join(" ");
      const c = (counts.get(g) ?? 0) + 1;
      counts.set(g, c);
      top = Math.max(top, c * g.length);
    }
    if (top / len > max) return { reason: "top-ngram", message: `the most frequent ${n}-gram covers ${pct(top / len)} of the text, over ${pct(max)}` };
  }
  for (const [n, max] of r.dupNGrams) {
    const seen = new Set<string>();
    let chars = 0;
    for (let i = 0; i + n <= words.length; ) {
      const g = words.slice(i, i + n).join("");
      if (seen.has(g)) {
        chars += g.length;
        i += n;
      } else {
        seen.add(g);
        i++;
      }
    }
    if (chars / len > max) return { reason: "repeated-ngrams", message: `${pct(chars / len)} of characters are in repeated ${n}-grams, over ${pct(max)}` };
  }
  return undefined;
}

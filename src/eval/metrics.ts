import * as rouge from "js-rouge";

/**
 * Reference metrics, each as the implementation people cite defines it:
 * - exact match and token F1: the SQuAD v1.1 evaluation script (lower-case, punctuation and the articles a/an/the
 *   removed, whitespace collapsed; F1 over the bag of tokens);
 * - ROUGE-1, ROUGE-2, ROUGE-L: Google's `rouge-score` (the package Hugging Face `evaluate` wraps) without stemming:
 *   lower-cased, every run of characters other than a–z and 0–9 a space, F-measure; ROUGE-L is the sentence-level
 *   LCS over the whole text. The n-gram and LCS counting is js-rouge's, given this tokenizer and the whole text as one
 *   sentence. (Like rouge-score, text without a–z/0–9 has no tokens and scores 0: use exact match or the judge there.)
 * - BLEU: sacreBLEU's corpus BLEU with its default `13a` tokenizer, 4-gram, brevity penalty over the corpus, `exp`
 *   smoothing. Hand-written: no maintained JavaScript package implements sacreBLEU's definition (the `bleu-score`
 *   package tokenizes on spaces and scores sentences); checked against sacreBLEU's README example (48.53).
 */

const PUNCT = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** SQuAD's normalize_answer. */
export function squadNormalize(s: string): string {
  return s.toLowerCase().replace(PUNCT, "").replace(/\b(a|an|the)\b/g, " ").split(/\s+/).filter(Boolean).join(" ");
}

export function exactMatch(prediction: string, reference: string): number {
  return squadNormalize(prediction) === squadNormalize(reference) ? 1 : 0;
}

export function tokenF1(prediction: string, reference: string): number {
  const p = squadNormalize(prediction).split(" ").filter(Boolean);
  const r = squadNormalize(reference).split(" ").filter(Boolean);
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / r.length;
  return (2 * precision * recall) / (precision + recall);
}

/** rouge-score's default tokenizer (no stemmer). */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, " ").split(" ").filter((t) => /^[a-z0-9]+$/.test(t));
}

export interface RougeScores {
  rouge1: number;
  rouge2: number;
  rougeL: number;
}

export function rougeScores(prediction: string, reference: string): RougeScores {
  const p = rougeTokens(prediction);
  const r = rougeTokens(reference);
  if (!p.length || !r.length) return { rouge1: 0, rouge2: 0, rougeL: 0 };
  const cand = p.join(" ");
  const ref = r.join(" ");
  const tokenizer = (s: string) => s.split(" ");
  return {
    rouge1: rouge.n(cand, ref, { n: 1, tokenizer }),
    rouge2: rouge.n(cand, ref, { n: 2, tokenizer }),
    rougeL: rouge.l(cand, ref, { tokenizer, segmenter: (s: string) => [s] }),
  };
}

/** sacreBLEU's 13a tokenizer (mteval-v13a). */
export function tokenize13a(line: string): string {
  let s = line.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll("\n", " ");
  if (s.includes("&")) s = s.replaceAll("&quot;", '"').replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">");
  s = ` ${s} `;
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, " $1 ");
  s = s.replace(/([^0-9])([.,])/g, "$1 $2 ");
  s = s.replace(/([.,])([^0-9])/g, " $1 $2");
  s = s.replace(/([0-9])(-)/g, "$1 $2 ");
  return s.split(/\s+/).filter(Boolean).join(" ");
}

function ngrams(tokens: string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const g = tokens.slice(i, i + n).join("\u0001");
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

/** BLEU's sufficient statistics, summed over a corpus one sentence at a time. */
export class CorpusBleu {
  readonly correct = [0, 0, 0, 0];
  readonly total = [0, 0, 0, 0];
  sysLen = 0;
  refLen = 0;

  /** Add a hypothesis with its references (one or more). */
  add(hypothesis: string, references: string[]): void {
    const h = tokenize13a(hypothesis).split(" ").filter(Boolean);
    const refs = references.map((r) => tokenize13a(r).split(" ").filter(Boolean));
    this.sysLen += h.length;
    // The closest reference length (the shorter on a tie), as sacreBLEU.
    let best = Infinity;
    let len = 0;
    for (const r of refs) {
      const d = Math.abs(r.length - h.length);
      if (d < best || (d === best && r.length < len)) {
        best = d;
        len = r.length;
      }
    }
    this.refLen += len;
    for (let n = 1; n <= 4; n++) {
      const hg = ngrams(h, n);
      const max = new Map<string, number>();
      for (const r of refs) for (const [g, c] of ngrams(r, n)) max.set(g, Math.max(max.get(g) ?? 0, c));
      for (const [g, c] of hg) {
        this.correct[n - 1]! += Math.min(c, max.get(g) ?? 0);
        this.total[n - 1]! += c;
      }
    }
  }

  /** The score (0–100), the n-gram precisions and the brevity penalty. */
  score(effectiveOrder = false): { bleu: number; precisions: number[]; bp: number; sysLen: number; refLen: number } {
    const bp = this.sysLen >= this.refLen ? 1 : this.sysLen > 0 ? Math.exp(1 - this.refLen / this.sysLen) : 0;
    const precisions = [0, 0, 0, 0];
    let smooth = 1;
    let order = 4;
    for (let n = 0; n < 4; n++) {
      if (this.total[n] === 0) break;
      if (effectiveOrder) order = n + 1;
      if (this.correct[n] === 0) {
        smooth *= 2;
        precisions[n] = 100 / (smooth * this.total[n]!);
      } else precisions[n] = (100 * this.correct[n]!) / this.total[n]!;
    }
    const log = (p: number) => (p === 0 ? -9999999999 : Math.log(p));
    const bleu = bp * Math.exp(precisions.slice(0, order).reduce((a, p) => a + log(p), 0) / order);
    return { bleu, precisions, bp, sysLen: this.sysLen, refLen: this.refLen };
  }
}

/** Sentence BLEU as sacreBLEU's `sentence_bleu`: one sentence's statistics, effective order, `exp` smoothing. */
export function sentenceBleu(hypothesis: string, reference: string): number {
  const c = new CorpusBleu();
  c.add(hypothesis, [reference]);
  return c.score(true).bleu;
}

/**
 * The Wilson score interval of a proportion (95 % by default): the interval LMSYS and AlpacaEval-style reports use
 * for win rates, sensible at 0 and 1 and for small counts.
 */
export function wilson(successes: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

import { NearDuplicates } from "../ops/ops.js";
import { questionKey } from "./parse.js";

/** Similarity (Jaccard of word pairs) at or above which two questions are the same question (default). */
export const QUESTION_SIMILARITY = 0.8;

/** A question's words, lower-cased (letters and digits). */
function words(q: string): string[] {
  return q.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The word pairs of a question (its one word when it has one). */
function bigrams(q: string): Set<string> {
  const w = words(q);
  if (w.length < 2) return new Set(w);
  const out = new Set<string>();
  for (let i = 0; i + 1 < w.length; i++) out.add(`${w[i]} ${w[i + 1]}`);
  return out;
}

/** Jaccard similarity of two questions' word pairs (exact: a document's few questions are compared directly). */
export function questionSimilarity(a: string, b: string): number {
  if (questionKey(a) === questionKey(b)) return 1;
  const x = bigrams(a);
  const y = bigrams(b);
  if (!x.size || !y.size) return 0;
  let both = 0;
  for (const g of x) if (y.has(g)) both++;
  return both / (x.size + y.size - both);
}

/**
 * Questions seen across a run, by MinHash over word pairs of the question text alone (not the record: the shared
 * document would make every pair of a document look alike): where a new question repeats an earlier one. Memory is a
 * few hundred bytes a question, never the questions.
 */
export class QuestionIndex {
  private readonly near: NearDuplicates;
  constructor(threshold = QUESTION_SIMILARITY) {
    this.near = new NearDuplicates({ threshold, shingle: 2 });
  }
  /** Add a question: where the earlier question it repeats is, or undefined. */
  add(question: string, ref: string): string | undefined {
    return this.near.add(question, ref);
  }
}

/** The default question styles of `--styles`, each with the instruction added to the prompt (Easy Dataset's genres). */
export const STYLES: Record<string, string> = {
  factual: "factual questions whose answer is a fact the document states",
  reasoning: "questions that need two or more of the document's statements combined to answer",
  comparison: "questions that compare or contrast two things the document describes",
  "how-to": "questions that ask how to do something the document explains, answered as steps",
  definition: "questions that ask what a term or concept of the document means",
  cause: "questions that ask why something happens or what it leads to, as the document explains",
  summary: "questions that ask for the gist of a part of the document, answered in a few sentences",
};

/** One persona line of a `--personas` file: who asks, in a few words. */
export interface Persona {
  name: string;
}

/** Read a personas file: one audience per line (blank lines and lines starting with # skipped). */
export function parsePersonas(text: string): Persona[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((name) => ({ name }));
}

/**
 * The variety asked of the i-th document: the next style and persona in rotation (style by document index, persona by
 * index too, so the pairing cycles through all combinations when the counts are coprime), as a prompt sentence and
 * as metadata.
 */
export function varietyFor(i: number, styles: string[], personas: Persona[]): { text: string; meta: Record<string, string> } {
  const meta: Record<string, string> = {};
  const parts: string[] = [];
  if (styles.length) {
    const s = styles[i % styles.length]!;
    meta.style = s;
    parts.push(`Write ${STYLES[s] ?? `${s} questions`}.`);
  }
  if (personas.length) {
    const p = personas[i % personas.length]!;
    meta.persona = p.name;
    parts.push(`Write the questions as this reader would ask them: ${p.name}.`);
  }
  return { text: parts.join(" "), meta };
}

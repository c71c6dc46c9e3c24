import { Template } from "../transforms/template.js";
import { jsonSpans } from "../synth/parse.js";

/** The three criteria a synthetic pair is judged on, each an integer from 1 (fails) to 5 (fully meets it). */
export const CRITERIA = ["question", "grounded", "correct"] as const;
export type Criterion = (typeof CRITERIA)[number];
export type Scores = Record<Criterion, number>;

export interface Verdict {
  scores: Scores;
  /** The least of the scores: a pair is kept when this reaches --min-score. */
  score: number;
  reason: string;
}

/**
 * The default rubric: the checks Augmentoolkit, synthetic-data-kit and Easy Dataset run on generated pairs (question
 * self-contained and answerable, answer supported by the source, answer correct and complete), scored 1–5 with a
 * one-line reason. Placeholders: {document}, {question}, {answer}; `{{` `}}` are literal braces.
 */
export const DEFAULT_RUBRIC = `You are checking a question and answer pair written for training a model. The pair was written from the document below.

Document:
{document}

Question: {question}
Answer: {answer}

Score the pair on three criteria, each an integer from 1 to 5 (1: fails completely, 3: acceptable with flaws, 5: fully meets it):
- "question": the question is self-contained (it makes sense to a reader who has not seen the document: it does not say "the document", "the passage", "the text above" or "the author"), clear, and answerable from the document.
- "grounded": every claim in the answer is stated in or directly follows from the document; nothing is added from outside it.
- "correct": the answer is correct and complete for the question, according to the document.

Reply with one JSON object and nothing else, for example:
{{"question": 5, "grounded": 4, "correct": 4, "reason": "one sentence on the main flaw, or why the pair is good"}}`;

/** The repair prompt: the judge's objection and the pair, for one corrected pair. Placeholders as the rubric's, and {reason}. */
export const DEFAULT_REPAIR = `A question and answer pair written from the document below was judged flawed: {reason}

Document:
{document}

Question: {question}
Answer: {answer}

Write a corrected pair that fixes the flaw: the question self-contained (no "the document", "the passage" or "the text") and answerable from the document alone, the answer correct, complete and fully supported by the document.

Reply with exactly one line, one JSON object with the keys "question" and "answer", for example:
{{"question": "…", "answer": "…"}}`;

export function renderPrompt(template: Template, values: Record<string, string>): string {
  const r = template.render(values);
  return "text" in r ? r.text : "";
}

/**
 * The judge's verdict, read strictly: one JSON object (bare, in a fenced block or among prose) with each criterion an
 * integer 1–5 (not "4", not 4.5) and a non-empty reason, or why the reply is not one.
 */
export function parseVerdict(text: string): Verdict | { error: string } {
  const objects = jsonObjects(text);
  if (objects.length === 0) return { error: "no JSON object in the judge's reply" };
  const withScores = objects.filter((o) => CRITERIA.some((c) => c in lower(o)));
  if (withScores.length === 0) return { error: `the judge's reply has no scores (${CRITERIA.map((c) => `"${c}"`).join(", ")})` };
  if (withScores.length > 1) return { error: `the judge's reply holds ${withScores.length} verdicts, one was asked for` };
  const o = lower(withScores[0]!);
  const scores = {} as Scores;
  for (const c of CRITERIA) {
    const v = o[c];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 5) return { error: `"${c}" is ${v === undefined ? "missing" : JSON.stringify(v)}, not an integer from 1 to 5` };
    scores[c] = v;
  }
  const reason = typeof o.reason === "string" ? o.reason.replace(/\s+/g, " ").trim() : "";
  if (!reason) return { error: `"reason" is ${o.reason === undefined ? "missing" : "empty or not text"}` };
  return { scores, score: Math.min(...CRITERIA.map((c) => scores[c])), reason };
}

const lower = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]));

/** The top-level JSON objects in a reply: the whole reply, fenced blocks, or balanced spans among prose. */
export function jsonObjects(text: string): Record<string, unknown>[] {
  const fenced = [...text.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/gi)].map((m) => m[1]!);
  const out: Record<string, unknown>[] = [];
  for (const body of fenced.length ? fenced : [text]) {
    for (const span of jsonSpans(body).filter((x) => x.startsWith("{"))) {
      try {
        const v = JSON.parse(span) as unknown;
        if (v && typeof v === "object" && !Array.isArray(v)) out.push(v as Record<string, unknown>);
      } catch {
        // not JSON: prose in braces
      }
    }
  }
  return out;
}

import { Template } from "../transforms/template.js";

/**
 * The pairwise judge prompt, in the layout of MT-Bench's pairwise judge (Zheng et al., 2023): the question, two
 * answers between start/end markers, an explanation, then a verdict of exactly `[[A]]`, `[[B]]` or `[[C]]` (a tie).
 * Placeholders: {question}, {answer_a}, {answer_b}, {reference} (empty without one); `--judge-prompt` replaces it.
 */
export const DEFAULT_PAIRWISE = `You are an impartial judge. Two AI assistants answered the user question below. Decide which answer is better: which follows the user's instructions and answers the question more helpfully, accurately, relevantly and completely.
Compare the two answers and explain your judgement in a few sentences first. The order in which the answers are shown, their length and the assistants' names must not influence you.{reference}
End with your verdict in exactly this form: "[[A]]" if assistant A's answer is better, "[[B]]" if assistant B's answer is better, "[[C]]" for a tie.

[User Question]
{question}

[The Start of Assistant A's Answer]
{answer_a}
[The End of Assistant A's Answer]

[The Start of Assistant B's Answer]
{answer_b}
[The End of Assistant B's Answer]`;

export type Preference = "A" | "B" | "tie";

/** The judge's verdict: exactly one kind of `[[A]]`/`[[B]]`/`[[C]]` in the reply (repeating it is fine), or why not. */
export function parsePreference(text: string): Preference | { error: string } {
  const found = new Set([...text.matchAll(/\[\[([ABC])\]\]/g)].map((m) => m[1]!));
  if (found.size === 0) return { error: "no verdict ([[A]], [[B]] or [[C]]) in the judge's reply" };
  if (found.size > 1) return { error: `the judge's reply gives ${[...found].map((x) => `[[${x}]]`).join(" and ")}: one verdict was asked for` };
  const v = [...found][0]!;
  return v === "C" ? "tie" : (v as "A" | "B");
}

export function pairwisePrompt(template: Template, question: string, a: string, b: string, reference?: string): string {
  const r = template.render({ question, answer_a: a, answer_b: b, reference: reference !== undefined ? `\nA reference answer is given below the two answers: judge correctness against it.\n\n[The Start of Reference Answer]\n${reference}\n[The End of Reference Answer]` : "" });
  return "text" in r ? r.text : "";
}

/**
 * The outcome of judging x against y in both orders (x shown first, then y first), which cancels the judge's
 * position bias: a model wins only when both orders prefer it; a win in one order and a loss in the other is
 * `inconsistent`, counted with the ties (MT-Bench's conservative rule).
 */
export function combine(xFirst: Preference, yFirst: Preference): "x" | "y" | "tie" | "inconsistent" {
  const first = xFirst === "A" ? "x" : xFirst === "B" ? "y" : "tie";
  const second = yFirst === "A" ? "y" : yFirst === "B" ? "x" : "tie";
  if (first === second) return first;
  if (first !== "tie" && second !== "tie") return "inconsistent";
  return "tie";
}

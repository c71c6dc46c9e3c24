import { z } from "zod";
import { RecordIssue, type Format } from "./format.js";

/**
 * LLaMA-Factory's alpaca record (hiyouga/LLaMA-Factory data/README.md): `{"instruction", "input"?, "output",
 * "system"?, "history"?: [[query, response], …]}`. The trainer reads the user turn as `instruction` and `input`
 * joined by a newline, so that is what prep-data counts and converts.
 */
export const alpacaSchema = z
  .object({
    instruction: z.string().min(1, "instruction is empty"),
    input: z.string().optional(),
    output: z.string().min(1, "output is empty"),
    system: z.string().min(1, "system is empty").optional(),
    history: z.array(z.tuple([z.string(), z.string()])).optional(),
  })
  .strict()
  .meta({
    title: "prep-data alpaca record",
    description: 'LLaMA-Factory alpaca record: {"instruction", "input"?, "output", "system"?, "history"?: [["query", "response"], …]}.',
  });

export type AlpacaRecord = z.infer<typeof alpacaSchema>;

export const alpaca: Format<AlpacaRecord> = {
  name: "alpaca",
  description: 'LLaMA-Factory / Axolotl alpaca: {"instruction", "input", "output", "system"?, "history"?}',
  schema: alpacaSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "alpaca needs a prompt and an answer, got plain text (LLaMA-Factory's pre-training data is --format text)");
    if (draft.preference) return new RecordIssue("format", "a preference pair is written as trl-preference or openai-preference; alpaca would drop the rejected answer");
    if (draft.reasoning !== undefined || draft.media?.length) return new RecordIssue("format", `alpaca holds text turns only; this record has ${draft.reasoning !== undefined ? "reasoning" : "media"}`);
    const turns = draft.turns;
    if (turns.length % 2 !== 0 || turns.some((t, i) => t.role !== (i % 2 === 0 ? "user" : "assistant"))) return new RecordIssue("role-order", "alpaca holds user/assistant pairs: the turns must alternate from the user's and end with the assistant's");
    const history: [string, string][] = [];
    for (let i = 0; i + 2 < turns.length; i += 2) history.push([turns[i]!.content, turns[i + 1]!.content]);
    return {
      instruction: turns[turns.length - 2]!.content,
      input: "",
      output: turns[turns.length - 1]!.content,
      ...(draft.system !== undefined ? { system: draft.system } : {}),
      ...(history.length ? { history } : {}),
    };
  },
  toDraft(r) {
    const user = r.input ? `${r.instruction}\n${r.input}` : r.instruction;
    return {
      kind: "chat",
      ...(r.system !== undefined ? { system: r.system } : {}),
      turns: [...(r.history ?? []).flatMap(([q, a]) => [{ role: "user" as const, content: q }, { role: "assistant" as const, content: a }]), { role: "user", content: user }, { role: "assistant", content: r.output }],
    };
  },
  rules(r) {
    const issues: RecordIssue[] = [];
    (r.history ?? []).forEach(([q, a], i) => {
      if (!q.trim()) issues.push(new RecordIssue("empty", `history[${i}][0] (the query) is empty`));
      if (!a.trim()) issues.push(new RecordIssue("empty", `history[${i}][1] (the response) is empty`));
    });
    return issues;
  },
};

import { z } from "zod";
import { RecordIssue, type Format } from "./format.js";

/**
 * LLaMA-Factory's sharegpt record (hiyouga/LLaMA-Factory data/README.md): `{"conversations": [{"from": "human" |
 * "gpt" | "function_call" | "observation", "value"}], "system"?, "tools"?}`. Human and observation turns stand at odd
 * positions (1st, 3rd, …), gpt and function_call at even ones; the last is the model's.
 */
export const sharegptSchema = z
  .object({
    conversations: z.array(z.object({ from: z.enum(["human", "gpt", "function_call", "observation"]), value: z.string() }).strict()).min(2, "at least a human turn and a gpt turn are needed"),
    system: z.string().min(1, "system is empty").optional(),
    tools: z.string().optional(),
  })
  .strict()
  .meta({
    title: "prep-data sharegpt record",
    description: 'LLaMA-Factory sharegpt record: {"conversations": [{"from": "human"|"gpt"|"function_call"|"observation", "value"}], "system"?, "tools"? (a JSON string)}.',
  });

export type ShareGptRecord = z.infer<typeof sharegptSchema>;

const USER_SIDE = new Set(["human", "observation"]);

export const sharegpt: Format<ShareGptRecord> = {
  name: "sharegpt",
  description: 'LLaMA-Factory sharegpt: {"conversations": [{"from": "human"|"gpt"|…, "value"}], "system"?, "tools"?}',
  schema: sharegptSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "sharegpt needs chat turns, got plain text (LLaMA-Factory's pre-training data is --format text)");
    if (draft.preference) return new RecordIssue("format", "a preference pair is written as trl-preference or openai-preference; sharegpt would drop the rejected answer");
    if (draft.reasoning !== undefined || draft.media?.length) return new RecordIssue("format", `sharegpt as prep-data writes it holds text turns only; this record has ${draft.reasoning !== undefined ? "reasoning" : "media"}`);
    return {
      conversations: draft.turns.map((t) => ({ from: t.role === "user" ? ("human" as const) : ("gpt" as const), value: t.content })),
      ...(draft.system !== undefined ? { system: draft.system } : {}),
    };
  },
  toDraft(r) {
    return {
      kind: "chat",
      ...(r.system !== undefined ? { system: r.system } : {}),
      turns: r.conversations.map((c) => ({ role: USER_SIDE.has(c.from) ? ("user" as const) : ("assistant" as const), content: c.value })),
    };
  },
  rules(r) {
    const issues: RecordIssue[] = [];
    r.conversations.forEach((c, i) => {
      const userSide = i % 2 === 0;
      if (USER_SIDE.has(c.from) !== userSide) issues.push(new RecordIssue("role-order", `conversations[${i}] is "${c.from}"; LLaMA-Factory takes ${userSide ? "human or observation" : "gpt or function_call"} at position ${i + 1}`));
      if (!c.value.trim()) issues.push(new RecordIssue("empty", `conversations[${i}].value is empty`));
    });
    if (r.conversations.length % 2 !== 0) issues.push(new RecordIssue("role-order", "the last turn must be gpt or function_call (an even number of turns)"));
    if (r.tools !== undefined) {
      try {
        JSON.parse(r.tools);
      } catch {
        issues.push(new RecordIssue("tools", "tools is not a JSON string (LLaMA-Factory reads it as JSON: a list of function definitions)"));
      }
    }
    return issues;
  },
};

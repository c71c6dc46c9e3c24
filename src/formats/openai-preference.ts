import { z } from "zod";
import { RecordIssue, type Format } from "./format.js";
import { messageText, openaiMessage, openaiMessageIssues, openaiMessagesFromDraft, openaiMessagesToDraft, openaiTool } from "./openai-chat.js";

/**
 * OpenAI's preference (DPO) record, read by Azure OpenAI, Together and Fireworks too: the conversation so far in
 * `input`, one preferred and one non-preferred assistant message (OpenAI's direct-preference-optimization guide).
 */
const output = z.array(openaiMessage).length(1, "exactly one assistant message");

export const openaiPreferenceSchema = z
  .object({
    input: z.object({ messages: z.array(openaiMessage).min(1, "input.messages is empty"), tools: z.array(openaiTool).optional(), parallel_tool_calls: z.boolean().optional() }).strict(),
    preferred_output: output,
    non_preferred_output: output,
  })
  .strict()
  .meta({
    title: "prep-data openai-preference record",
    description: 'OpenAI preference (DPO) record: {"input": {"messages": [...], "tools"?}, "preferred_output": [assistant message], "non_preferred_output": [assistant message]}.',
  });

export type OpenAiPreferenceRecord = z.infer<typeof openaiPreferenceSchema>;

export const openaiPreference: Format<OpenAiPreferenceRecord> = {
  name: "openai-preference",
  description: 'OpenAI DPO (also Azure OpenAI, Together, Fireworks): {"input": {"messages"}, "preferred_output", "non_preferred_output"}',
  schema: openaiPreferenceSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat" || !draft.preference) return new RecordIssue("format", "an openai-preference record needs a preferred and a non-preferred answer (chosen/rejected, preferred_output/non_preferred_output, or Nova candidates)");
    if (draft.turns[draft.turns.length - 1]?.role !== "user") return new RecordIssue("role-order", "the conversation before the answers must end with the user's turn");
    const messages = openaiMessagesFromDraft({ ...draft, preference: undefined }, "openai-preference");
    if (messages instanceof RecordIssue) return messages;
    return { input: { messages }, preferred_output: [{ role: "assistant", content: draft.preference.preferred }], non_preferred_output: [{ role: "assistant", content: draft.preference.rejected }] };
  },
  toDraft(r) {
    return { kind: "chat", ...openaiMessagesToDraft(r.input.messages), preference: { preferred: messageText(r.preferred_output[0]!), rejected: messageText(r.non_preferred_output[0]!) } };
  },
  rules(r) {
    const issues = openaiMessageIssues(r.input.messages, "input.messages").filter((i) => i.category !== "role-order");
    const last = r.input.messages[r.input.messages.length - 1]!;
    if (last.role !== "user") issues.push(new RecordIssue("role-order", `input.messages must end with the user's message, found "${last.role}"`));
    for (const k of ["preferred_output", "non_preferred_output"] as const) {
      const m = r[k][0]!;
      if (m.role !== "assistant") issues.push(new RecordIssue("role-order", `${k}[0].role must be "assistant", found "${m.role}"`));
      else if (!messageText(m).trim() && !m.tool_calls) issues.push(new RecordIssue("empty", `${k}[0].content is empty`));
    }
    return issues;
  },
};

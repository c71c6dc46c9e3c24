import { z } from "zod";
import type { ChatDraft } from "../record.js";
import { RecordIssue, type Format } from "./format.js";

/**
 * OpenAI's chat fine-tuning record, the shape Azure OpenAI, Together, Fireworks and TRL's conversational datasets
 * read too: `{"messages": [...], "tools"?, "parallel_tool_calls"?}` with system, developer, user, assistant and tool
 * messages, assistant `weight` 0/1 and `tool_calls` (OpenAI's fine-tuning guide; Azure's fine-tuning-functions page).
 */
const textPart = z.object({ type: z.literal("text"), text: z.string() }).strict();
const imagePart = z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string().min(1, "image_url.url is empty"), detail: z.enum(["auto", "low", "high"]).optional() }).strict() }).strict();
const content = z.union([z.string(), z.array(z.union([textPart, imagePart])).min(1, "content has no parts")]);

const toolCall = z
  .object({
    id: z.string().min(1, "a tool call needs an id"),
    type: z.literal("function"),
    function: z.object({ name: z.string().min(1, "the function has no name"), arguments: z.string() }).strict(),
  })
  .strict();

export const openaiMessage = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool"]),
    content: content.nullable().optional(),
    name: z.string().min(1).optional(),
    weight: z.union([z.literal(0), z.literal(1)]).optional(),
    tool_calls: z.array(toolCall).min(1).optional(),
    tool_call_id: z.string().min(1).optional(),
  })
  .strict();

export const openaiTool = z
  .object({
    type: z.literal("function"),
    function: z.object({ name: z.string().min(1, "the function has no name"), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().optional() }).strict(),
  })
  .strict();

export const openaiChatSchema = z
  .object({
    messages: z.array(openaiMessage).min(1, "messages is empty"),
    tools: z.array(openaiTool).optional(),
    parallel_tool_calls: z.boolean().optional(),
  })
  .strict()
  .meta({
    title: "prep-data openai-chat record",
    description: 'OpenAI chat fine-tuning record: {"messages": [{"role": "system"|"developer"|"user"|"assistant"|"tool", "content", "weight"?, "tool_calls"?, "tool_call_id"?}], "tools"?, "parallel_tool_calls"?}.',
  });

export type OpenAiChatRecord = z.infer<typeof openaiChatSchema>;
export type OpenAiMessage = z.infer<typeof openaiMessage>;

/** A message's text: the string, or its text parts joined (image parts carry none). */
export function messageText(m: { content?: unknown }): string {
  if (typeof m.content === "string") return m.content;
  if (Array.isArray(m.content)) return (m.content as { type?: string; text?: string }[]).filter((p) => p.type === "text").map((p) => p.text ?? "").join("\n");
  return "";
}

/** The rules of a message list zod cannot say: who may carry what, tool results answering calls, a reply to learn. */
export function openaiMessageIssues(messages: OpenAiMessage[], where = "messages"): RecordIssue[] {
  const issues: RecordIssue[] = [];
  const calls = new Set<string>();
  messages.forEach((m, i) => {
    const at = `${where}[${i}]`;
    if (m.weight !== undefined && m.role !== "assistant") issues.push(new RecordIssue("schema", `${at}.weight: only assistant messages take a weight`));
    if (m.tool_calls && m.role !== "assistant") issues.push(new RecordIssue("schema", `${at}.tool_calls: only assistant messages make tool calls`));
    if (m.role === "tool") {
      if (!m.tool_call_id) issues.push(new RecordIssue("tools", `${at}: a tool message needs tool_call_id`));
      else if (!calls.has(m.tool_call_id)) issues.push(new RecordIssue("tools", `${at}.tool_call_id ${JSON.stringify(m.tool_call_id)} answers no earlier tool call`));
    } else if (m.tool_call_id !== undefined) issues.push(new RecordIssue("schema", `${at}.tool_call_id: only tool messages answer a tool call`));
    for (const c of m.tool_calls ?? []) calls.add(c.id);
    if (m.role === "assistant" ? !m.tool_calls && !messageText(m).trim() : m.role !== "tool" && !messageText(m).trim()) issues.push(new RecordIssue("empty", `${at}.content is empty`));
    if (m.role !== "user" && Array.isArray(m.content) && m.content.some((p) => p.type === "image_url")) issues.push(new RecordIssue("content", `${at}: only user messages hold images`));
  });
  if (!messages.some((m) => m.role === "assistant" && m.weight !== 0)) issues.push(new RecordIssue("role-order", `${where} has no assistant message to learn from (with weight 1 or none)`));
  return issues;
}

/** A draft as OpenAI messages: the system prompt first, then the turns; what the shape cannot hold is an issue. */
export function openaiMessagesFromDraft(draft: ChatDraft | Omit<ChatDraft, "origin">, format: string): OpenAiMessage[] | RecordIssue {
  if (draft.reasoning !== undefined) return new RecordIssue("format", `${format} has no place for reasoning (an assistant turn is its answer only)`);
  if (draft.media?.length) return new RecordIssue("format", `${format} takes images as URLs in image_url parts; ${draft.media[0]!.ref} is a ${draft.media[0]!.kind} reference prep-data does not turn into one`);
  return [...(draft.system !== undefined ? [{ role: "system" as const, content: draft.system }] : []), ...draft.turns.map((t) => ({ role: t.role, content: t.content }))];
}

/** OpenAI messages as a draft's system prompt and turns (tool calls and results as their JSON text, for counting). */
export function openaiMessagesToDraft(messages: OpenAiMessage[]): { system?: string; turns: ChatDraft["turns"] } {
  const system: string[] = [];
  const turns: ChatDraft["turns"] = [];
  for (const m of messages) {
    if ((m.role === "system" || m.role === "developer") && !turns.length) system.push(messageText(m));
    else if (m.role === "assistant") turns.push({ role: "assistant", content: m.tool_calls ? [messageText(m), JSON.stringify(m.tool_calls)].filter(Boolean).join("\n") : messageText(m) });
    else turns.push({ role: "user", content: messageText(m) });
  }
  return { ...(system.length ? { system: system.join("\n") } : {}), turns };
}

export const openaiChat: Format<OpenAiChatRecord> = {
  name: "openai-chat",
  description: 'OpenAI chat fine-tuning (also Azure OpenAI, Together, Fireworks, TRL conversational): {"messages": [...], "tools"?}',
  schema: openaiChatSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "openai-chat needs chat turns, got plain text");
    if (draft.preference) return new RecordIssue("format", "a preference pair is written as openai-preference (or trl-preference); openai-chat would drop the rejected answer");
    const messages = openaiMessagesFromDraft(draft, "openai-chat");
    return messages instanceof RecordIssue ? messages : { messages };
  },
  toDraft(r) {
    return { kind: "chat", ...openaiMessagesToDraft(r.messages) };
  },
  rules(r) {
    return openaiMessageIssues(r.messages);
  },
};

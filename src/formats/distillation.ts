import { z } from "zod";
import { CONVERSATION_SCHEMA_VERSION } from "./conversation.js";
import { RecordIssue, type Format } from "./format.js";

const text = z.object({ text: z.string().min(1, "text is empty") }).strict();

/**
 * Bedrock Model Distillation input (option 1, own prompts): a bedrock-conversation-2024 record with one user
 * prompt and, optionally, a "golden" assistant response. Single-turn (what Anthropic and Meta teachers take); at most
 * 15,000 prompts per job.
 */
export const distillationSchema = z
  .object({
    schemaVersion: z.literal(CONVERSATION_SCHEMA_VERSION),
    system: z.array(text).length(1, "system holds exactly one block").optional(),
    messages: z
      .array(z.object({ role: z.enum(["user", "assistant"]), content: z.array(text).length(1, "content holds exactly one text block") }).strict())
      .min(1, "a user prompt is needed")
      .max(2, "single-turn: a user prompt and at most one assistant response"),
  })
  .strict()
  .meta({
    title: "prep-data distillation prompt (bedrock-conversation-2024)",
    description: 'Record {"schemaVersion": "bedrock-conversation-2024", "system"?: [{"text"}], "messages": [{"role": "user", "content": [{"text"}]}, {"role": "assistant", ...}?]}.',
  });

export type DistillationRecord = z.infer<typeof distillationSchema>;

export const distillation: Format<DistillationRecord> = {
  name: "distillation",
  description: "Bedrock Model Distillation prompts: bedrock-conversation-2024, one user turn, optional golden response",
  schema: distillationSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "distillation needs a user prompt, got plain text");
    const [user, golden, ...more] = draft.turns;
    if (!user || user.role !== "user") return new RecordIssue("role-order", "a distillation prompt starts with the user");
    if (more.length || (golden && golden.role !== "assistant")) return new RecordIssue("role-order", "a distillation prompt is single-turn: a user prompt and at most one assistant response");
    return {
      schemaVersion: CONVERSATION_SCHEMA_VERSION,
      ...(draft.system !== undefined ? { system: [{ text: draft.system }] } : {}),
      messages: [{ role: "user", content: [{ text: user.content }] }, ...(golden ? [{ role: "assistant" as const, content: [{ text: golden.content }] }] : [])],
    };
  },
  toDraft(r) {
    return {
      kind: "chat",
      ...(r.system ? { system: r.system.map((s) => s.text).join("\n") } : {}),
      turns: r.messages.map((m) => ({ role: m.role, content: m.content.map((c) => c.text).join("\n") })),
    };
  },
  rules(r) {
    const issues: RecordIssue[] = [];
    if (r.messages[0]!.role !== "user") issues.push(new RecordIssue("role-order", `first message must be from "user", found "${r.messages[0]!.role}"`));
    if (r.messages[1] && r.messages[1].role !== "assistant") issues.push(new RecordIssue("role-order", 'the second message, when present, is the "assistant" golden response'));
    r.messages.forEach((m, i) => {
      if (m.content[0]!.text.trim() === "") issues.push(new RecordIssue("empty", `messages[${i}].content[0].text is empty`));
    });
    return issues;
  },
};

/** Bedrock's bounds on a distillation job's prompts (docs: at most 15k; AWS's validator: at least 100 valid). */
export const DISTILLATION_MAX_PROMPTS = 15_000;
export const DISTILLATION_MIN_PROMPTS = 100;

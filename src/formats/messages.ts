import { z } from "zod";
import { RecordIssue, roleOrderIssues, turnsIssue, type Format } from "./format.js";

const message = z
  .object({
    role: z.enum(["user", "assistant"]),
    content: z.string().min(1, "content is empty"),
  })
  .strict();

/** Bedrock chat record with plain-string content (Claude 3 Haiku): single- or multi-turn. */
export const messagesSchema = z
  .object({
    system: z.string().min(1, "system is empty").optional(),
    messages: z.array(message).min(2, "at least two messages (user, assistant) are needed"),
  })
  .strict()
  .meta({
    title: "prep-data messages record",
    description:
      'Chat record {"system"?, "messages": [{"role", "content"}]}: starts with user, alternates, ends with assistant.',
  });

export type MessagesRecord = z.infer<typeof messagesSchema>;

export const messages: Format<MessagesRecord> = {
  name: "messages",
  description: 'chat fine-tuning: {"system"?, "messages": [{"role", "content"}]}',
  schema: messagesSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "messages needs chat turns, got plain text");
    const issue = turnsIssue(draft.turns);
    if (issue) return issue;
    return {
      ...(draft.system !== undefined ? { system: draft.system } : {}),
      messages: draft.turns.map((t) => ({ role: t.role, content: t.content })),
    };
  },
  toDraft(r) {
    return {
      kind: "chat",
      ...(r.system !== undefined ? { system: r.system } : {}),
      turns: r.messages.map((m) => ({ role: m.role, content: m.content })),
    };
  },
  rules(r) {
    return roleOrderIssues(r.messages.map((m) => m.role));
  },
};

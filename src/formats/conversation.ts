import { z } from "zod";
import { roleOrderIssues, turnsIssue, type Format, RecordIssue } from "./format.js";

export const CONVERSATION_SCHEMA_VERSION = "bedrock-conversation-2024";

const s3Location = z
  .object({
    uri: z.string().regex(/^s3:\/\//, "must be an s3:// URI"),
    bucketOwner: z.string().optional(),
  })
  .strict();

const textBlock = z.object({ text: z.string().min(1, "text is empty") }).strict();
const imageBlock = z
  .object({
    image: z
      .object({
        format: z.enum(["png", "jpeg", "gif", "webp"]),
        source: z.object({ s3Location }).strict(),
      })
      .strict(),
  })
  .strict();
const videoBlock = z
  .object({
    video: z
      .object({
        format: z.enum(["mov", "mkv", "mp4", "webm"]),
        source: z.object({ s3Location }).strict(),
      })
      .strict(),
  })
  .strict();

const turn = z
  .object({
    role: z.enum(["user", "assistant"]),
    content: z.array(z.union([textBlock, imageBlock, videoBlock])).min(1, "content needs at least one block"),
  })
  .strict();

/** Bedrock Converse-style record (Llama 3.2+/3.3, Nova): content is a list of blocks. */
export const conversationSchema = z
  .object({
    // Any string: Nova's docs say it "can be any string value"; Llama 3.2/3.3 take only bedrock-conversation-2024,
    // and a missing key is judged per model family (see the profiles' conversation rules).
    schemaVersion: z.string().optional(),
    system: z.array(z.object({ text: z.string().min(1, "system text is empty") }).strict()).optional(),
    messages: z.array(turn).min(2, "at least two messages (user, assistant) are needed"),
  })
  .strict()
  .meta({
    title: "prep-data conversation record (bedrock-conversation-2024)",
    description:
      'Record {"schemaVersion": "bedrock-conversation-2024", "system"?: [{"text"}], "messages": [{"role", "content": [{"text"}]}]}. prep-data always writes schemaVersion bedrock-conversation-2024.',
  });

export type ConversationRecord = z.infer<typeof conversationSchema>;

function blockText(block: ConversationRecord["messages"][number]["content"][number]): string | undefined {
  return "text" in block ? block.text : undefined;
}

export const conversation: Format<ConversationRecord> = {
  name: "conversation",
  description: 'bedrock-conversation-2024: {"schemaVersion", "system": [{"text"}], "messages": [{"role", "content": [{"text"}]}]}',
  schema: conversationSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "conversation needs chat turns, got plain text");
    const issue = turnsIssue(draft.turns);
    if (issue) return issue;
    return {
      schemaVersion: CONVERSATION_SCHEMA_VERSION,
      ...(draft.system !== undefined ? { system: [{ text: draft.system }] } : {}),
      messages: draft.turns.map((t) => ({ role: t.role, content: [{ text: t.content }] })),
    };
  },
  toDraft(r) {
    const system = r.system?.map((s) => s.text).join("\n");
    return {
      kind: "chat",
      ...(system !== undefined ? { system } : {}),
      turns: r.messages.map((m) => ({
        role: m.role,
        content: m.content.map(blockText).filter((t): t is string => t !== undefined).join("\n"),
      })),
    };
  },
  rules(r) {
    const issues: RecordIssue[] = roleOrderIssues(r.messages.map((m) => m.role));
    r.messages.forEach((m, i) => {
      if (m.role === "assistant" && m.content.some((b) => !("text" in b))) {
        issues.push(new RecordIssue("content", `messages[${i}]: an assistant turn must not contain images or videos`));
      }
      m.content.forEach((b, j) => {
        if ("text" in b && b.text.trim() === "") {
          issues.push(new RecordIssue("empty", `messages[${i}].content[${j}].text is empty`));
        }
      });
    });
    return issues;
  },
};

import { z } from "zod";
import type { MediaRef } from "../record.js";
import { roleOrderIssues, turnsIssue, type Format, RecordIssue } from "./format.js";
import { MEDIA_FILES } from "./media-types.js";

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

const documentBlock = z
  .object({
    document: z
      .object({
        format: z.enum(["pdf"]),
        // The Converse API names a document; Bedrock's Nova 2 examples carry format and source only.
        name: z.string().min(1).optional(),
        source: z.object({ s3Location }).strict(),
      })
      .strict(),
  })
  .strict();
/** Nova 2: the assistant's reasoning, text only (Converse ReasoningContentBlock). */
const reasoningBlock = z.object({ reasoningContent: z.object({ reasoningText: z.object({ text: z.string().min(1, "reasoningText.text is empty") }).strict() }).strict() }).strict();
const toolUseBlock = z.object({ toolUse: z.object({ toolUseId: z.string().min(1), name: z.string().min(1), input: z.record(z.string(), z.unknown()) }).strict() }).strict();
const toolResultBlock = z
  .object({
    toolResult: z
      .object({
        toolUseId: z.string().min(1),
        content: z.array(z.union([z.object({ text: z.string() }).strict(), z.object({ json: z.unknown() }).strict()])).min(1, "toolResult.content needs at least one block"),
        status: z.enum(["success", "error"]).optional(),
      })
      .strict(),
  })
  .strict();

export type ContentBlock = z.infer<typeof block>;
const block = z.union([textBlock, imageBlock, videoBlock, documentBlock, reasoningBlock, toolUseBlock, toolResultBlock]);

const turn = z
  .object({
    role: z.enum(["user", "assistant"]),
    content: z.array(block).min(1, "content needs at least one block"),
  })
  .strict();

const toolConfig = z
  .object({
    tools: z
      .array(z.object({ toolSpec: z.object({ name: z.string().min(1), description: z.string().min(1), inputSchema: z.object({ json: z.record(z.string(), z.unknown()) }).strict() }).strict() }).strict())
      .min(1, "toolConfig.tools is empty"),
  })
  .strict();

/** Bedrock Converse-style record (Llama 3.2+/3.3, Nova): content is a list of blocks. */
export const conversationSchema = z
  .object({
    // Any string: Nova's docs say it "can be any string value"; Llama 3.2/3.3 take only bedrock-conversation-2024,
    // and a missing key is judged per model family (see the profiles' conversation rules).
    schemaVersion: z.string().optional(),
    system: z.array(z.object({ text: z.string().min(1, "system text is empty") }).strict()).optional(),
    // Nova 2's format (tool calling); which models take it is a model rule.
    toolConfig: toolConfig.optional(),
    messages: z.array(turn).min(2, "at least two messages (user, assistant) are needed"),
  })
  .strict()
  .meta({
    title: "prep-data conversation record (bedrock-conversation-2024)",
    description:
      'Record {"schemaVersion": "bedrock-conversation-2024", "system"?: [{"text"}], "toolConfig"?, "messages": [{"role", "content": [{"text"} | {"image"} | {"video"} | {"document"} | {"reasoningContent"} | {"toolUse"} | {"toolResult"}]}]}. prep-data always writes schemaVersion bedrock-conversation-2024.',
  });

export type ConversationRecord = z.infer<typeof conversationSchema>;

/** An image, video or document block for an s3:// URI, its format from the file's extension. */
export function mediaBlock(kind: MediaRef["kind"], uri: string): ContentBlock | RecordIssue {
  if (!uri.startsWith("s3://")) return new RecordIssue("media", `${kind} ${uri}: a local file; give --media-prefix s3://bucket/prefix/ to upload it (Bedrock reads media from S3)`);
  const ext = /\.([A-Za-z0-9]+)$/.exec(uri)?.[1]?.toLowerCase() ?? "";
  const format = MEDIA_FILES[kind][ext]?.format;
  if (!format) return new RecordIssue("media", `${kind} ${uri}: the format is told from the extension, one of ${Object.keys(MEDIA_FILES[kind]).map((e) => "." + e).join(", ")}`);
  const source = { s3Location: { uri } };
  if (kind === "image") return { image: { format: format as "png", source } };
  if (kind === "video") return { video: { format: format as "mp4", source } };
  return { document: { format: "pdf", source } };
}

/** The text a block adds to a turn for token counts and reserved strings: text, reasoning, tool input and results. */
function blockText(block: ContentBlock): string | undefined {
  if ("text" in block) return block.text;
  if ("reasoningContent" in block) return block.reasoningContent.reasoningText.text;
  if ("toolUse" in block) return JSON.stringify(block.toolUse.input);
  if ("toolResult" in block) return block.toolResult.content.map((c) => ("text" in c ? c.text : JSON.stringify(c.json))).join("\n");
  return undefined;
}

export const conversation: Format<ConversationRecord> = {
  name: "conversation",
  description: 'bedrock-conversation-2024: {"schemaVersion", "system": [{"text"}], "messages": [{"role", "content": [{"text"}]}]}',
  schema: conversationSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "conversation needs chat turns, got plain text");
    const issue = turnsIssue(draft.turns);
    if (issue) return issue;
    const media: ContentBlock[] = [];
    for (const m of draft.media ?? []) {
      const block = mediaBlock(m.kind, m.ref);
      if (block instanceof RecordIssue) return block;
      media.push(block);
    }
    const lastAssistant = draft.turns.map((t) => t.role).lastIndexOf("assistant");
    return {
      schemaVersion: CONVERSATION_SCHEMA_VERSION,
      ...(draft.system !== undefined ? { system: [{ text: draft.system }] } : {}),
      messages: draft.turns.map((t, i) => ({
        role: t.role,
        content: [
          ...(i === lastAssistant && draft.reasoning !== undefined ? [{ reasoningContent: { reasoningText: { text: draft.reasoning } } }] : []),
          { text: t.content },
          ...(i === 0 ? media : []),
        ],
      })),
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
    let documents = 0;
    let videos = 0;
    const toolNames = new Set(r.toolConfig?.tools.map((t) => t.toolSpec.name));
    const used = new Set<string>();
    r.messages.forEach((m, i) => {
      const kinds = new Set(m.content.map(blockKind));
      for (const k of kinds) {
        const allowed = m.role === "assistant" ? ASSISTANT_BLOCKS : USER_BLOCKS;
        if (!allowed.has(k)) issues.push(new RecordIssue("content", `messages[${i}]: ${m.role === "assistant" ? "an assistant" : "a user"} turn must not contain ${k === "image" ? "images" : k === "video" ? "videos" : k === "document" ? "documents" : `${k} blocks`} (${m.role === "assistant" ? "assistant turns take text, reasoningContent and toolUse" : "user turns take text, image, video, document and toolResult"})`));
      }
      m.content.forEach((b, j) => {
        if ("text" in b && b.text.trim() === "") issues.push(new RecordIssue("empty", `messages[${i}].content[${j}].text is empty`));
        if ("document" in b) documents++;
        if ("video" in b) videos++;
        if ("toolUse" in b) {
          if (r.toolConfig && !toolNames.has(b.toolUse.name)) issues.push(new RecordIssue("tools", `messages[${i}].content[${j}].toolUse names tool ${JSON.stringify(b.toolUse.name)}, which toolConfig does not define`));
          if (used.has(b.toolUse.toolUseId)) issues.push(new RecordIssue("tools", `messages[${i}].content[${j}].toolUse repeats toolUseId ${JSON.stringify(b.toolUse.toolUseId)}`));
          used.add(b.toolUse.toolUseId);
        }
        if ("toolResult" in b && !used.has(b.toolResult.toolUseId)) issues.push(new RecordIssue("tools", `messages[${i}].content[${j}].toolResult answers toolUseId ${JSON.stringify(b.toolResult.toolUseId)}, which no earlier toolUse has`));
      });
    });
    if (documents > 1) issues.push(new RecordIssue("content", `${documents} document blocks; a record takes at most one`));
    if (videos > 1) issues.push(new RecordIssue("content", `${videos} video blocks; a record takes at most one`));
    const media = mediaKinds(r);
    if (media.has("video") && (media.has("image") || media.has("document"))) issues.push(new RecordIssue("content", `a record with a video cannot also hold ${media.has("image") ? "images" : "a document"}`));
    return issues;
  },
};

const ASSISTANT_BLOCKS = new Set(["text", "reasoningContent", "toolUse"]);
const USER_BLOCKS = new Set(["text", "image", "video", "document", "toolResult"]);

/** A content block's kind: its one key. */
export function blockKind(b: ContentBlock): string {
  return Object.keys(b)[0]!;
}

/** The media a record holds (image, video, document), for the dataset-wide rule that media kinds are not mixed. */
export function mediaKinds(r: ConversationRecord): Set<"image" | "video" | "document"> {
  const out = new Set<"image" | "video" | "document">();
  for (const m of r.messages) for (const b of m.content) if ("image" in b) out.add("image");
  else if ("video" in b) out.add("video");
  else if ("document" in b) out.add("document");
  return out;
}

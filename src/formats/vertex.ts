import { z } from "zod";
import { RecordIssue, roleOrderIssues, type Format } from "./format.js";
import { MEDIA_FILES } from "./media-types.js";

/**
 * Google Vertex AI's supervised tuning record for Gemini (gemini-supervised-tuning-prepare): `{"systemInstruction"?,
 * "contents": [{"role": "user" | "model", "parts": [{"text"} | {"fileData": {"mimeType", "fileUri"}}]}]}`; files are
 * read from Cloud Storage (gs://).
 */
const part = z.union([z.object({ text: z.string() }).strict(), z.object({ fileData: z.object({ mimeType: z.string().min(1, "mimeType is empty"), fileUri: z.string().min(1, "fileUri is empty") }).strict() }).strict()]);

export const vertexSchema = z
  .object({
    systemInstruction: z.object({ role: z.string().optional(), parts: z.array(z.object({ text: z.string().min(1, "text is empty") }).strict()).min(1, "systemInstruction has no parts") }).strict().optional(),
    contents: z.array(z.object({ role: z.enum(["user", "model"]), parts: z.array(part).min(1, "parts is empty") }).strict()).min(2, "at least a user turn and a model turn are needed"),
  })
  .strict()
  .meta({
    title: "prep-data vertex record",
    description: 'Vertex AI Gemini supervised tuning record: {"systemInstruction"?: {"parts": [{"text"}]}, "contents": [{"role": "user"|"model", "parts": [{"text"}|{"fileData": {"mimeType", "fileUri"}}]}]}.',
  });

export type VertexRecord = z.infer<typeof vertexSchema>;
type Part = z.infer<typeof part>;

const textOf = (parts: Part[]) => parts.map((p) => ("text" in p ? p.text : "")).filter(Boolean).join("\n");

/** The content type of a file Vertex reads, from its extension (the media table prep-data uses for Bedrock too). */
function mimeFor(uri: string): string | undefined {
  const ext = uri.split("?")[0]!.split(".").pop()!.toLowerCase();
  for (const kind of Object.values(MEDIA_FILES)) if (kind[ext]) return kind[ext]!.mime[0];
  return undefined;
}

export const vertex: Format<VertexRecord> = {
  name: "vertex",
  description: 'Vertex AI (Gemini) supervised tuning: {"systemInstruction"?, "contents": [{"role": "user"|"model", "parts"}]}',
  schema: vertexSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "vertex needs chat turns, got plain text");
    if (draft.preference) return new RecordIssue("format", "a preference pair cannot be written as a vertex supervised-tuning record (it would drop the rejected answer)");
    if (draft.reasoning !== undefined) return new RecordIssue("format", "vertex supervised tuning has no place for reasoning (the model learns the answer; set the thinking budget off)");
    const files: Part[] = [];
    for (const m of draft.media ?? []) {
      if (!m.ref.startsWith("gs://")) return new RecordIssue("media", `${m.kind} ${m.ref}: Vertex AI reads files from Cloud Storage; give a gs:// URI`);
      const mimeType = mimeFor(m.ref);
      if (!mimeType) return new RecordIssue("media", `${m.kind} ${m.ref}: the content type is told from the extension, and this one is not known`);
      files.push({ fileData: { mimeType, fileUri: m.ref } });
    }
    return {
      ...(draft.system !== undefined ? { systemInstruction: { parts: [{ text: draft.system }] } } : {}),
      contents: draft.turns.map((t, i) => ({ role: t.role === "assistant" ? ("model" as const) : ("user" as const), parts: [...(i === 0 ? files : []), { text: t.content }] })),
    };
  },
  toDraft(r) {
    return {
      kind: "chat",
      ...(r.systemInstruction ? { system: textOf(r.systemInstruction.parts) } : {}),
      turns: r.contents.map((c) => ({ role: c.role === "model" ? ("assistant" as const) : ("user" as const), content: textOf(c.parts) })),
    };
  },
  rules(r) {
    const issues = roleOrderIssues(r.contents.map((c) => (c.role === "model" ? "assistant" : "user"))).map((i) => new RecordIssue(i.category, i.message.replace(/messages/g, "contents").replace(/"assistant"/g, '"model"').replace(/user\/assistant/, "user/model")));
    r.contents.forEach((c, i) =>
      c.parts.forEach((p, j) => {
        if ("text" in p && !p.text.trim() && c.parts.length === 1) issues.push(new RecordIssue("empty", `contents[${i}].parts[${j}].text is empty`));
        if ("fileData" in p && !p.fileData.fileUri.startsWith("gs://")) issues.push(new RecordIssue("media", `contents[${i}].parts[${j}].fileData.fileUri must be a Cloud Storage URI (gs://…), found ${JSON.stringify(p.fileData.fileUri)}`));
      }),
    );
    return issues;
  },
};

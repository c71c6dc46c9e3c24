import { z } from "zod";
import { RecordIssue, type Format } from "./format.js";

/** Plain-text record under "text": Nova continued pre-training, and most open-source trainers. */
export const textSchema = z
  .object({ text: z.string().min(1, "text is empty") })
  .strict()
  .meta({ title: "prep-data text record", description: 'Plain-text record {"text"} (Nova CPT, HF trainers).' });

export type TextRecord = z.infer<typeof textSchema>;

export const text: Format<TextRecord> = {
  name: "text",
  description: 'plain text: {"text"}',
  schema: textSchema,
  fromDraft(draft) {
    if (draft.kind !== "text") return new RecordIssue("format", "text needs plain text, got chat turns");
    return { text: draft.text };
  },
  toDraft(r) {
    return { kind: "text", text: r.text };
  },
  rules() {
    return [];
  },
};

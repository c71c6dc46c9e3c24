import { z } from "zod";
import { RecordIssue, type Format } from "./format.js";

/** Bedrock continued pre-training record (Titan Text): unlabelled text under "input". */
export const cptSchema = z
  .object({ input: z.string().min(1, "input is empty") })
  .strict()
  .meta({ title: "prep-data cpt record", description: 'Continued pre-training record {"input"} (Amazon Titan Text).' });

export type CptRecord = z.infer<typeof cptSchema>;

export const cpt: Format<CptRecord> = {
  name: "cpt",
  description: 'continued pre-training: {"input"}',
  schema: cptSchema,
  fromDraft(draft) {
    if (draft.kind !== "text") return new RecordIssue("format", "cpt needs plain text, got chat turns");
    return { input: draft.text };
  },
  toDraft(r) {
    return { kind: "text", text: r.input };
  },
  rules() {
    return [];
  },
};

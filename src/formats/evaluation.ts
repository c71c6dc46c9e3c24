import { z } from "zod";
import { RecordIssue, type Format } from "./format.js";

/**
 * Bedrock model-evaluation custom prompt dataset record: `prompt`, optional `referenceResponse` (ground truth) and
 * `category`; `modelResponses` for bring-your-own inference. At most 1,000 prompts per job.
 */
export const evaluationSchema = z
  .object({
    prompt: z.string().min(1, "prompt is empty"),
    referenceResponse: z.string().min(1, "referenceResponse is empty").optional(),
    category: z.string().min(1, "category is empty").optional(),
    modelResponses: z.array(z.object({ response: z.string(), modelIdentifier: z.string().min(1, "modelIdentifier is empty") }).strict()).min(1).optional(),
  })
  .strict()
  .meta({ title: "prep-data evaluation prompt (Bedrock model evaluation)", description: 'Record {"prompt", "referenceResponse"?, "category"?, "modelResponses"?: [{"response", "modelIdentifier"}]}.' });

export type EvaluationRecord = z.infer<typeof evaluationSchema>;

/** Bedrock's bound on one evaluation job's prompts. */
export const EVALUATION_MAX_PROMPTS = 1000;

export const evaluation: Format<EvaluationRecord> = {
  name: "evaluation",
  description: 'model evaluation prompts: {"prompt", "referenceResponse"?, "category"?}',
  schema: evaluationSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "evaluation needs a prompt (and a reference response), got plain text");
    const [user, reference, ...more] = draft.turns;
    if (!user || user.role !== "user" || more.length || (reference && reference.role !== "assistant")) return new RecordIssue("role-order", "an evaluation record is one prompt and at most one reference response");
    if (draft.system !== undefined) return new RecordIssue("format", "an evaluation record has no system prompt (put it in the prompt)");
    if (draft.category !== undefined && draft.category.trim() === "") return new RecordIssue("empty", "category is empty");
    return { prompt: user.content, ...(reference ? { referenceResponse: reference.content } : {}), ...(draft.category !== undefined ? { category: draft.category } : {}) };
  },
  toDraft(r) {
    return {
      kind: "chat",
      ...(r.category !== undefined ? { category: r.category } : {}),
      turns: [{ role: "user", content: r.prompt }, ...(r.referenceResponse !== undefined ? [{ role: "assistant" as const, content: r.referenceResponse }] : [])],
    };
  },
  rules(r) {
    return r.prompt.trim() === "" ? [new RecordIssue("empty", "prompt is empty")] : [];
  },
};

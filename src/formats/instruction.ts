import { z } from "zod";
import { RecordIssue, type Format } from "./format.js";

/** Bedrock prompt/completion fine-tuning record (Titan, Cohere, Llama 2/3.1). */
export const instructionSchema = z
  .object({
    prompt: z.string().min(1, "prompt is empty"),
    completion: z.string().min(1, "completion is empty"),
  })
  .strict()
  .meta({ title: "prep-data instruction record", description: 'Bedrock prompt/completion fine-tuning record: {"prompt", "completion"}.' });

export type InstructionRecord = z.infer<typeof instructionSchema>;

export const instruction: Format<InstructionRecord> = {
  name: "instruction",
  description: 'prompt/completion fine-tuning: {"prompt", "completion"}',
  schema: instructionSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "instruction needs a prompt and a completion, got plain text");
    if (draft.system !== undefined) {
      return new RecordIssue("format", "instruction records have no system prompt; use --format messages or conversation");
    }
    const [user, assistant, ...rest] = draft.turns;
    if (!user || !assistant || rest.length > 0 || user.role !== "user" || assistant.role !== "assistant") {
      return new RecordIssue("format", `instruction holds exactly one user turn and one assistant turn, got ${draft.turns.length} turns`);
    }
    return { prompt: user.content, completion: assistant.content };
  },
  toDraft(r) {
    return {
      kind: "chat",
      turns: [
        { role: "user", content: r.prompt },
        { role: "assistant", content: r.completion },
      ],
    };
  },
  rules() {
    return [];
  },
};

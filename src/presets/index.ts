import type { DraftTemplates } from "../transforms/draft.js";

/** A ready-made job: a Hub dataset and the templates the original demo used. Adding one is adding an entry here. */
export interface Preset {
  name: string;
  description: string;
  /** Hub dataset `owner/name`. */
  dataset: string;
  /** Templates per output kind: chat formats use `user`/`assistant` (+ `system`), `instruction` uses the same pair. */
  templates: Required<Pick<DraftTemplates, "user" | "assistant">>;
  /** Column holding speaker-tagged dialogue text, for `--turns`. */
  dialogueColumn?: string;
  /** Where the template comes from. */
  source: string;
}

export const presets: Record<string, Preset> = {
  dialogsum: {
    name: "dialogsum",
    description: "DialogSum dialogue summarisation (knkarthick/dialogsum), as in the Bedrock Llama 2 fine-tuning demo",
    dataset: "knkarthick/dialogsum",
    templates: {
      // Exact prompt of generative-ai-on-aws 12_bedrock/27_finetune_llama2_summarization.ipynb (note the trailing space).
      user: "Summarize the simplest and most interesting part of the following conversation.\n\n{dialogue}\n\nSummary: ",
      assistant: "{summary}",
    },
    dialogueColumn: "dialogue",
    source: "generative-ai-on-aws/generative-ai-on-aws 12_bedrock/27_finetune_llama2_summarization.ipynb (wrap_instruction_fn)",
  },
};

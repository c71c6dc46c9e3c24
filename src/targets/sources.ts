/**
 * Where each rule of the other trainers' targets comes from (pages re-read with `search` on 2026-12-05; see
 * ../shared/reference/targets-2026.md). Keys are merged into the profiles' SOURCES, so `prep-data models TARGET`
 * prints them beside each number.
 */
export const TARGET_SOURCES = {
  OA1: "https://developers.openai.com/docs/guides/supervised-fine-tuning (chat records {messages}; at least 10 examples)",
  OA2: "https://platform.openai.com/docs/api-reference/files/create (a file up to 512 MB; the fine-tuning API takes .jsonl files only)",
  OA3: "https://developers.openai.com/api/docs/deprecations (notice of 2026-05-07: self-serve fine-tuning wound down; new jobs for everyone stop on 2027-01-06)",
  OA4: "https://developers.openai.com/api/docs/guides/direct-preference-optimization (preference records: input.messages, preferred_output, non_preferred_output)",
  AZ1: "https://learn.microsoft.com/en-us/azure/ai-foundry/openai/includes/fine-tune-models (gpt-4o, gpt-4o-mini and the gpt-4.1 family: training example context length 65,536 tokens)",
  AZ2: "https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/fine-tuning-functions (tool calling records: assistant tool_calls, tools)",
  TG1: "https://docs.together.ai/docs/fine-tuning/data-preparation (conversational, instruction, preference and generic text records; starts with system or user, then alternates user/assistant; 100 GB per file; a file matching two formats is refused)",
  FW1: "https://docs.fireworks.ai/fine-tuning/fine-tuning-models (3 to 3 million examples per dataset; messages with role system, user or assistant)",
  VX1: "https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning (Gemini 2.5 Flash, Flash-Lite and Pro: 131,072 input and output tokens per training example, validation set at most 5,000 examples, training file at most 1 GB of JSONL, at most 1M text-only or 300K multimodal examples)",
  VX2: "https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning-prepare (record: systemInstruction, contents with role user/model and parts text or fileData; files in Cloud Storage; start with 100 examples)",
  VX0: "https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning-about (an earlier page: a training dataset must include a minimum of 16 examples; the current page recommends starting with 100)",
  TRL1: "https://huggingface.co/docs/trl/dataset_formats (language modelling text/messages, prompt-completion, preference prompt/chosen/rejected; standard or conversational)",
  LF1: "https://github.com/hiyouga/LLaMA-Factory/blob/main/data/README.md (alpaca: instruction, input, output, system, history; sharegpt: conversations from/value, system, tools; pre-training text; each file registered in dataset_info.json)",
  AX1: "https://github.com/axolotl-ai-cloud/axolotl/tree/main/docs/dataset-formats (chat_template over messages, alpaca, completion {text})",
} as const;

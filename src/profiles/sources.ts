import { TARGET_SOURCES } from "../targets/sources.js";

/** Where each number in the profiles table comes from (see ../shared/reference/bedrock-dataset-rules.md). */
export const SOURCES = {
  D1: "https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html",
  D2: "https://docs.aws.amazon.com/bedrock/latest/userguide/model-training-validation-requirements.html",
  D3: "https://docs.aws.amazon.com/bedrock/latest/userguide/dataset-prep-continued-pretraining.html",
  D5: "https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html",
  H1: "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-titan-text.html",
  H2: "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-anth-claude-3.html",
  H3: "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-cohere-command.html",
  H4: "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-meta-llama2.html",
  H5: "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-meta-llama31.html",
  H6: "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-meta-llama32.html",
  H7: "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-nova-mm.html",
  A1: "anthropics/anthropic-cookbook finetuning/finetuning_on_bedrock.ipynb",
  R1: "aws-samples/amazon-bedrock-samples custom-models/bedrock-fine-tuning/claude-haiku/DataValidation/data_validation.py",
  R2: "aws-samples/amazon-bedrock-samples custom-models/bedrock-fine-tuning/meta-llama/dataset_validation/",
  R3b: "aws-samples/amazon-nova-samples customization/bedrock-finetuning/understanding/dataset_validation/nova_ft_dataset_validator.py",
  W1: "aws-samples/amazon-bedrock-workshop 03_Model_customization/03_continued_pretraining_titan_text.ipynb (quotes the old quotas page)",
  F1: "https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-fine-tuning.html (the current supported-models table: model IDs with their context suffix, Regions)",
  F0: "https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-supported.html (the earlier table, still listing Titan Text G1 - Express as amazon.titan-text-express-v1:0:8k)",
  L1: "https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-anthropic-claude-3-haiku.html (model EOL date 2026-09-10; still served only in ca-central-1, eu-central-2, sa-east-1 and, as Legacy, ap-northeast-2 — none of them a fine-tuning Region)",
  L2: "https://docs.cohere.com/docs/chat-fine-tuning (Cohere fine-tuning deprecated 2025-09-15)",
  N2: "https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html (Nova 2 SFT: Converse records + reasoningContent; homogeneous dataset: text, text + image or text + video; PNG/JPEG/GIF, MOV/MKV/MP4; tool use not supported; no validation set)",
  N2G: "https://docs.aws.amazon.com/nova/latest/nova2-userguide/nova-data-prep-sft-2.html (Nova 2 guide: document blocks, tool calling, reasoning)",
  RF1: "https://docs.aws.amazon.com/bedrock/latest/userguide/rft-prepare-data.html (RFT records: OpenAI chat messages + reference_answer; at least 100 prompts)",
  RF2: "https://docs.aws.amazon.com/bedrock/latest/userguide/reward-functions.html (grader Lambda: a list of samples in, a list of {id, aggregate_reward_score, metrics_list?} out)",
  RF3: "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_RFTHyperParameters.html (epochCount 1–50, batchSize 16–512, learningRate 1e-7–1e-3, evalInterval 1–100, reasoningEffort)",
  M: "the customizable model ID (meta.llama2-13b-v1:0:4k, meta.llama2-70b-v1:0:4k) names a 4,096-token context; no separate per-record limit is published",
  ...TARGET_SOURCES,
} as const;

export type SourceKey = keyof typeof SOURCES;

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
  M: "the customizable model ID (meta.llama2-13b-v1:0:4k, meta.llama2-70b-v1:0:4k) names a 4,096-token context; no separate per-record limit is published",
} as const;

export type SourceKey = keyof typeof SOURCES;

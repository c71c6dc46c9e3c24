import type { FormatName } from "./index.js";
import { DISTILLATION_MAX_PROMPTS } from "./distillation.js";
import { EVALUATION_MAX_PROMPTS } from "./evaluation.js";

/** A bound on the records one job takes, whatever the model: a fact with its source. */
export interface RecordLimit {
  max: number;
  /** What a record is called in messages. */
  noun: string;
  job: string;
  source: string;
}

/**
 * Per-format bounds on one file's records (one job's input). Held before any file is committed: a run writing more
 * is refused, or truncated / split into files within the bound (`--limit-policy`).
 */
export const RECORD_LIMITS: Partial<Record<FormatName, RecordLimit>> = {
  evaluation: {
    max: EVALUATION_MAX_PROMPTS,
    noun: "prompts",
    job: "a Bedrock model evaluation job",
    source: "https://docs.aws.amazon.com/bedrock/latest/userguide/model-evaluation-prompt-datasets-judge.html (\"up to 1000 prompts in your dataset per evaluation job\")",
  },
  distillation: {
    max: DISTILLATION_MAX_PROMPTS,
    noun: "prompts",
    job: "a Bedrock model distillation job",
    source: "https://docs.aws.amazon.com/bedrock/latest/userguide/distillation-prepare-datasets.html (at most 15K prompts)",
  },
};

export type LimitPolicy = "error" | "truncate" | "split";

/** The message of a file over its format's bound. */
export function overLimitMessage(limit: RecordLimit, n: number): string {
  return `${n.toLocaleString("en-US")} ${limit.noun}; ${limit.job} takes at most ${limit.max.toLocaleString("en-US")} (${limit.source})`;
}

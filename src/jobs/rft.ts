import { PrepError } from "../record.js";

/**
 * Reinforcement fine-tuning's hyperparameters: typed fields of `customizationConfig.rftConfig.hyperParameters`, not
 * the string map other customization types take. Names, types and ranges as the API reference gives them
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_RFTHyperParameters.html); where it gives a type but no
 * range (maxPromptLength, trainingSamplePerPrompt, inferenceMaxTokens), any whole number from 1.
 */
export const RFT_HYPERPARAMETERS: Record<string, { type: "int" | "float"; min: number; max: number } | { type: "enum"; values: string[] }> = {
  epochCount: { type: "int", min: 1, max: 50 },
  batchSize: { type: "int", min: 16, max: 512 },
  learningRate: { type: "float", min: 1e-7, max: 1e-3 },
  maxPromptLength: { type: "int", min: 1, max: Number.MAX_SAFE_INTEGER },
  trainingSamplePerPrompt: { type: "int", min: 1, max: Number.MAX_SAFE_INTEGER },
  inferenceMaxTokens: { type: "int", min: 1, max: Number.MAX_SAFE_INTEGER },
  // The SDK's ReasoningEffort enum (@aws-sdk/client-bedrock): low, medium, high.
  reasoningEffort: { type: "enum", values: ["low", "medium", "high"] },
  evalInterval: { type: "int", min: 1, max: 100 },
};

export const RFT_SOURCE = "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_RFTHyperParameters.html";

export type RftHyperParameters = Partial<Record<string, number | string>>;

/** The typed RFT hyperparameters from `--hp name=value` strings, each checked; a usage error names the first bad one. */
export function rftHyperParameters(given: Record<string, string>): RftHyperParameters {
  const out: RftHyperParameters = {};
  for (const [name, raw] of Object.entries(given)) {
    const r = RFT_HYPERPARAMETERS[name];
    if (!r) throw new PrepError(`unknown RFT hyperparameter ${name}; reinforcement fine-tuning takes: ${Object.keys(RFT_HYPERPARAMETERS).join(", ")} [${RFT_SOURCE}]`, 2);
    if (r.type === "enum") {
      if (!r.values.includes(raw)) throw new PrepError(`${name} ${raw}: expected ${r.values.join(", ")} [${RFT_SOURCE}]`, 2);
      out[name] = raw;
      continue;
    }
    const v = Number(raw);
    const range = `${r.min}–${r.max === Number.MAX_SAFE_INTEGER ? "" : r.max}`;
    if (raw.trim() === "" || !Number.isFinite(v) || (r.type === "int" && !Number.isInteger(v))) throw new PrepError(`${name} ${raw}: RFT takes ${r.type === "int" ? "a whole number" : "a number"} (${range}) [${RFT_SOURCE}]`, 2);
    if (v < r.min || v > r.max) throw new PrepError(`${name} ${raw} is outside RFT's range ${range} [${RFT_SOURCE}]`, 2);
    out[name] = v;
  }
  return out;
}

/** A Lambda function ARN (the grader), as `GraderConfig.lambdaGrader.lambdaArn` takes it. */
export function checkLambdaArn(arn: string): void {
  if (!/^arn:aws(-[a-z]+)*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/.test(arn)) {
    throw new PrepError(`--grader-lambda ${arn}: a Lambda function ARN is needed (arn:aws:lambda:REGION:ACCOUNT:function:NAME)`, 2);
  }
}

import { PrepError } from "../record.js";
import { SERVICE_SHAPES } from "./service-shapes.js";
import { shapeProblems } from "./shape-check.js";

const SHAPES = SERVICE_SHAPES.services.bedrock!.shapes;

/**
 * Reinforcement fine-tuning's hyperparameters: typed fields of `customizationConfig.rftConfig.hyperParameters`, not
 * the string map other customization types take. Names in the API reference's order
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_RFTHyperParameters.html); types, ranges and values
 * from the service model's RFTHyperParameters shape (the same constraints `checkRequest` applies), so the two cannot
 * drift. A member with a type but no range takes any whole number from 1.
 */
export const RFT_HYPERPARAMETERS: Record<string, { type: "int" | "float"; min: number; max: number } | { type: "enum"; values: string[] }> = Object.fromEntries(
  ["epochCount", "batchSize", "learningRate", "maxPromptLength", "trainingSamplePerPrompt", "inferenceMaxTokens", "reasoningEffort", "evalInterval"].map((name) => {
    const shape = SHAPES[SHAPES.RFTHyperParameters!.members![name]!.shape]!;
    if (shape.enum) return [name, { type: "enum" as const, values: shape.enum }];
    return [name, { type: shape.type === "integer" ? ("int" as const) : ("float" as const), min: shape.min ?? 1, max: shape.max ?? Number.MAX_SAFE_INTEGER }];
  }),
);

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

/** A Lambda function ARN (the grader), as the service model's LambdaArn shape takes it. */
export function checkLambdaArn(arn: string): void {
  if (shapeProblems(SHAPES, "LambdaArn", arn).length) {
    throw new PrepError(`--grader-lambda ${arn}: a Lambda function ARN is needed (arn:aws:lambda:REGION:ACCOUNT:function:NAME) [LambdaArn pattern ${SHAPES.LambdaArn!.pattern}]`, 2);
  }
}

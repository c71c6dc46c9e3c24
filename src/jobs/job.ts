import { getProfile, isRetired, lifecycleNotice, type Profile } from "../profiles/index.js";
import { PrepError } from "../record.js";
import { checkRequest } from "./requests.js";
import type { InvocationLogsConfig } from "./invocation-logs.js";
import { checkLambdaArn, rftHyperParameters, RFT_HYPERPARAMETERS, type RftHyperParameters } from "./rft.js";

export type CustomizationType = "fine-tuning" | "continued-pre-training" | "distillation" | "reinforcement-fine-tuning";

const WIRE: Record<CustomizationType, string> = { "fine-tuning": "FINE_TUNING", "continued-pre-training": "CONTINUED_PRE_TRAINING", distillation: "DISTILLATION", "reinforcement-fine-tuning": "REINFORCEMENT_FINE_TUNING" };

/** `--type` values: the API's names in kebab case, and `rft`. */
export const CUSTOMIZATION_TYPES: Record<string, CustomizationType> = { "fine-tuning": "fine-tuning", "continued-pre-training": "continued-pre-training", distillation: "distillation", "reinforcement-fine-tuning": "reinforcement-fine-tuning", rft: "reinforcement-fine-tuning" };

export interface JobSpec {
  model: string;
  type: CustomizationType;
  /** The training data's S3 URI (or, with invocationLogs, none). */
  train?: string;
  /** Distillation or RFT from Bedrock invocation logs instead of a file. */
  invocationLogs?: InvocationLogsConfig;
  validation?: string;
  output: string;
  roleArn: string;
  name: string;
  /** Custom model name (default: the job name). */
  customModelName?: string;
  /** Hyperparameters by Bedrock name (epochCount, batchSize, learningRate, …), as given. */
  hyperparameters: Record<string, string>;
  teacher?: string;
  maxResponseLength?: number;
  /** Reinforcement fine-tuning: the grader Lambda's ARN. */
  graderLambda?: string;
}

/** The request body of CreateModelCustomizationJob, and the hyperparameters with where each value comes from. */
export interface JobPlan {
  request: {
    jobName: string;
    customModelName: string;
    roleArn: string;
    baseModelIdentifier: string;
    customizationType: string;
    trainingDataConfig: { s3Uri: string } | { invocationLogsConfig: InvocationLogsConfig };
    validationDataConfig?: { validators: { s3Uri: string }[] };
    outputDataConfig: { s3Uri: string };
    /** The string map (every type but RFT, whose hyperparameters are typed fields of rftConfig). */
    hyperParameters?: Record<string, string>;
    customizationConfig?:
      | { distillationConfig: { teacherModelConfig: { teacherModelIdentifier: string; maxResponseLengthForInference: number } } }
      | { rftConfig: { graderConfig: { lambdaGrader: { lambdaArn: string } }; hyperParameters?: RftHyperParameters } };
  };
  /** Every hyperparameter of the model: the value sent (or the default Bedrock applies), its range and source. */
  hyperparameters: { name: string; value?: number; default?: number; min: number; max: number; type: string; given: boolean }[];
  profile: Profile;
  /** Batch size the job trains with (for token limits). */
  batchSize: number;
}

/**
 * Check a job against the model's profile and build its request: the customization type must be one the model
 * offers (continued pre-training only where it is; distillation needs a teacher), every hyperparameter must be one
 * the model has, of its type and within its range (the valid names are listed otherwise), and the S3 URIs must be
 * s3:// URIs. Usage errors (exit 2) name the option.
 */
export function planJob(spec: JobSpec, today = new Date()): JobPlan {
  const profile = getProfile(spec.model);
  if (isRetired(profile, today)) throw new PrepError(`${profile.id}: ${lifecycleNotice(profile, today)}`, 2);
  const offered = Object.keys(profile.tasks).map((t) => (t === "continued-pretraining" ? "continued-pre-training" : t));
  if (spec.type === "reinforcement-fine-tuning") return planRft(spec, profile, offered);
  if (spec.graderLambda) throw new PrepError("--grader-lambda is for --type rft", 2);
  if (spec.type === "distillation") {
    if (!spec.teacher) throw new PrepError("--type distillation needs --teacher <modelId>", 2);
    if (!profile.tasks["fine-tuning"]) throw new PrepError(`${profile.id} cannot be a distillation student`, 2);
  } else if (!offered.includes(spec.type)) {
    throw new PrepError(`${profile.id} does not offer ${spec.type}; it offers ${offered.join(", ") || "no customization"}`, 2);
  }
  checkUris(spec);
  const table = profile.hyperparameters.value;
  const sent: Record<string, string> = {};
  for (const [name, raw] of Object.entries(spec.hyperparameters)) {
    const r = table[name];
    if (!r) {
      throw new PrepError(`unknown hyperparameter ${name} for ${profile.id}; its hyperparameters are: ${Object.keys(table).join(", ") || "none"}`, 2);
    }
    const v = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(v) || (r.type === "int" && !Number.isInteger(v))) throw new PrepError(`${name} ${raw}: ${profile.id} takes ${r.type === "int" ? "a whole number" : "a number"} (${r.min}–${r.max}) [${profile.hyperparameters.source}]`, 2);
    if (v < r.min || v > r.max) throw new PrepError(`${name} ${raw} is outside ${profile.id}'s range ${r.min}–${r.max} [${profile.hyperparameters.source}]`, 2);
    sent[name] = String(v);
  }
  const hyperparameters = Object.entries(table).map(([name, r]) => ({ name, ...(sent[name] !== undefined ? { value: Number(sent[name]) } : {}), default: r.default, min: r.min, max: r.max, type: r.type, given: sent[name] !== undefined }));
  const batchSize = Number(sent.batchSize ?? table.batchSize?.default ?? 1);
  const request: JobPlan["request"] = {
      ...commonFields(spec, profile),
      hyperParameters: sent,
      ...(spec.type === "distillation" ? { customizationConfig: { distillationConfig: { teacherModelConfig: { teacherModelIdentifier: spec.teacher!, maxResponseLengthForInference: spec.maxResponseLength ?? 1000 } } } } : {}),
  };
  // Every field against the API's own constraints (the service model's input shape), named by its option.
  checkRequest("bedrock", "CreateModelCustomizationJob", request, REQUEST_OPTIONS);
  return { profile, batchSize, hyperparameters, request };
}

/** Every S3 URI the job names must be one (the service model's pattern is checked with the whole request). */
function checkUris(spec: JobSpec): void {
  for (const [opt, uri] of [["--train", spec.train], ["--validation", spec.validation], ["--output", spec.output]] as const) {
    if (uri !== undefined && !/^s3:\/\/[^/]+/.test(uri)) throw new PrepError(`${opt} ${uri}: an s3:// URI is needed (upload the file first: prep-data upload)`, 2);
  }
}

/** The request's fields every customization type has. */
function commonFields(spec: JobSpec, profile: Profile): Omit<JobPlan["request"], "hyperParameters" | "customizationConfig"> {
  return {
    jobName: spec.name,
    customModelName: spec.customModelName ?? spec.name,
    roleArn: spec.roleArn,
    baseModelIdentifier: profile.baseModelId.value,
    customizationType: WIRE[spec.type],
    trainingDataConfig: trainingData(spec),
    ...(spec.validation ? { validationDataConfig: { validators: [{ s3Uri: spec.validation }] } } : {}),
    outputDataConfig: { s3Uri: spec.output },
  };
}

/** A file, or invocation logs (distillation and RFT only): one of them. */
function trainingData(spec: JobSpec): JobPlan["request"]["trainingDataConfig"] {
  if (spec.invocationLogs) {
    if (spec.train) throw new PrepError("give --train (a file) or --invocation-logs, not both", 2);
    if (spec.type !== "distillation" && spec.type !== "reinforcement-fine-tuning") throw new PrepError(`--invocation-logs is for --type distillation or rft, not ${spec.type}`, 2);
    return { invocationLogsConfig: spec.invocationLogs };
  }
  if (!spec.train) throw new PrepError("give --train s3://… (or --manifest FILE; distillation and rft also take --invocation-logs)", 2);
  return { s3Uri: spec.train };
}

/** An RFT job: the grader Lambda and typed hyperparameters in `customizationConfig.rftConfig`, no string map. */
function planRft(spec: JobSpec, profile: Profile, offered: string[]): JobPlan {
  if (!offered.includes("reinforcement-fine-tuning")) throw new PrepError(`${profile.id} does not offer reinforcement fine-tuning; it offers ${offered.join(", ") || "no customization"} (RFT: --model nova-2-lite)`, 2);
  if (!spec.graderLambda) throw new PrepError("--type rft needs --grader-lambda <arn>: the Lambda function that scores each response (prep-data grader init writes one to start from)", 2);
  checkLambdaArn(spec.graderLambda);
  checkUris(spec);
  const typed = rftHyperParameters(spec.hyperparameters);
  const request: JobPlan["request"] = {
    ...commonFields(spec, profile),
    customizationConfig: { rftConfig: { graderConfig: { lambdaGrader: { lambdaArn: spec.graderLambda } }, ...(Object.keys(typed).length ? { hyperParameters: typed } : {}) } },
  };
  checkRequest("bedrock", "CreateModelCustomizationJob", request, REQUEST_OPTIONS);
  const hyperparameters = Object.entries(RFT_HYPERPARAMETERS).map(([name, r]) => ({
    name,
    ...(typeof typed[name] === "number" ? { value: typed[name] as number } : {}),
    min: r.type === "enum" ? 0 : r.min,
    max: r.type === "enum" ? 0 : r.max,
    type: r.type === "enum" ? `one of ${r.values.join("/")}${typed[name] !== undefined ? ` (${typed[name]})` : ""}` : r.type,
    given: typed[name] !== undefined,
  }));
  return { profile, batchSize: Number(typed.batchSize ?? 1), hyperparameters, request };
}

/** The option that sets each field of the request, for messages. */
const REQUEST_OPTIONS: Record<string, string> = {
  jobName: "--name",
  customModelName: "--custom-model-name (default: --name)",
  roleArn: "--role-arn",
  baseModelIdentifier: "--model",
  "trainingDataConfig.s3Uri": "--train",
  "trainingDataConfig.invocationLogsConfig.invocationLogSource.s3Uri": "--invocation-logs",
  "trainingDataConfig.invocationLogsConfig.requestMetadataFilters": "--metadata-filter",
  validationDataConfig: "--validation",
  "outputDataConfig.s3Uri": "--output",
  hyperParameters: "--hp",
  "customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier": "--teacher",
  "customizationConfig.distillationConfig.teacherModelConfig.maxResponseLengthForInference": "--max-response-length",
  "customizationConfig.rftConfig.graderConfig.lambdaGrader.lambdaArn": "--grader-lambda",
  "customizationConfig.rftConfig.hyperParameters": "--hp",
};

/** The Bedrock control-plane client (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_BEDROCK), over HTTP/1.1. */
export async function bedrockControl() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [m, { NodeHttpHandler }] = await Promise.all([import("@aws-sdk/client-bedrock"), import("@smithy/node-http-handler")]);
  return { m, c: new m.BedrockClient({ region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION, requestHandler: new NodeHttpHandler() }) };
}

/** One line for a control-plane failure. */
export function controlError(e: unknown, what: string): PrepError {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const code = status === 403 || /AccessDenied|UnrecognizedClient|InvalidSignature|Credentials|Region is missing/i.test(`${err.name} ${err.message}`) ? 3 : status && status < 500 ? 1 : 3;
  if (/Region is missing/i.test(err.message ?? "")) return new PrepError(`${what}: no AWS region: set AWS_REGION (or a region for the profile in ~/.aws/config)`, 3);
  return new PrepError(`${what}: ${err.name ? `${err.name}: ` : ""}${(err.message ?? String(e)).split("\n")[0]}`, code as 1 | 3);
}

import { basename } from "node:path";
import { checkRequest } from "../jobs/requests.js";
import { PrepError } from "../record.js";

/** The built-in metrics a model-as-judge job scores by default (Bedrock's model-evaluation-metrics page). */
export const DEFAULT_BEDROCK_METRICS = ["Builtin.Correctness", "Builtin.Completeness", "Builtin.Faithfulness", "Builtin.Helpfulness"];

export interface BedrockEvalJobOptions {
  jobName: string;
  roleArn: string;
  /** Where the evaluation dataset (evaluation-format JSONL, at most 1,000 prompts) is in S3. */
  datasetS3Uri: string;
  outputS3Uri: string;
  /** The evaluator (judge) model id. */
  evaluator: string;
  /** The generator model under evaluation: a model id, inference profile or custom model ARN. */
  model: string;
  metrics?: string[];
  temperature?: number;
  maxOutputTokens?: number;
  datasetName?: string;
  /** The service model's EvaluationTaskType: Summarization, Classification, QuestionAndAnswer, Generation, Custom (default Generation). */
  taskType?: string;
}

/**
 * A CreateEvaluationJob request for an automatic model-as-judge evaluation of one Bedrock model (an automated job
 * evaluates a single model: one request per model), checked against the operation's input shape in the service
 * model before it is written, each field named by the option that set it.
 */
export function bedrockEvalJob(o: BedrockEvalJobOptions): Record<string, unknown> {
  const request = {
    jobName: o.jobName,
    roleArn: o.roleArn,
    applicationType: "ModelEvaluation",
    evaluationConfig: {
      automated: {
        datasetMetricConfigs: [
          {
            taskType: o.taskType ?? "Generation",
            dataset: { name: o.datasetName ?? basename(o.datasetS3Uri).replace(/\.jsonl$/, "").replace(/[^a-zA-Z0-9_-]/g, "-").slice(0, 63), datasetLocation: { s3Uri: o.datasetS3Uri } },
            metricNames: o.metrics ?? DEFAULT_BEDROCK_METRICS,
          },
        ],
        evaluatorModelConfig: { bedrockEvaluatorModels: [{ modelIdentifier: o.evaluator }] },
      },
    },
    inferenceConfig: {
      models: [{ bedrockModel: { modelIdentifier: o.model, inferenceParams: JSON.stringify({ inferenceConfig: { ...(o.maxOutputTokens ? { maxTokens: o.maxOutputTokens } : {}), temperature: o.temperature ?? 0 } }) } }],
    },
    outputDataConfig: { s3Uri: o.outputS3Uri },
  };
  for (const m of request.evaluationConfig.automated.datasetMetricConfigs[0]!.metricNames) {
    if (!/^Builtin\.[A-Za-z]+$/.test(m)) throw new PrepError(`--bedrock-metrics: "${m}" is not a built-in metric name (Builtin.Correctness, Builtin.Completeness, Builtin.Faithfulness, Builtin.Helpfulness, Builtin.Coherence, Builtin.Relevance, Builtin.FollowingInstructions, Builtin.ProfessionalStyleAndTone, Builtin.Harmfulness, Builtin.Stereotyping, Builtin.Refusal)`, 2);
  }
  checkRequest("bedrock", "CreateEvaluationJob", request, {
    jobName: "--bedrock-job-name",
    roleArn: "--role-arn",
    "evaluationConfig.automated.datasetMetricConfigs[0].dataset.datasetLocation": "--dataset-s3",
    "evaluationConfig.automated.datasetMetricConfigs[0].dataset.name": "--dataset-s3",
    "evaluationConfig.automated.datasetMetricConfigs[0].metricNames": "--bedrock-metrics",
    "evaluationConfig.automated.datasetMetricConfigs[0].taskType": "--bedrock-task-type",
    "evaluationConfig.automated.evaluatorModelConfig": "--judge",
    "inferenceConfig.models": "--model",
    outputDataConfig: "--output-s3",
  });
  return request;
}

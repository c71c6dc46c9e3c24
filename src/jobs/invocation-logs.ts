import { PrepError } from "../record.js";

export interface InvocationLogsConfig {
  invocationLogSource: { s3Uri: string };
  usePromptResponse?: boolean;
  requestMetadataFilters?: { equals: Record<string, string> } | { notEquals: Record<string, string> } | { andAll: Filter[] } | { orAll: Filter[] };
}

type Filter = { equals: Record<string, string> } | { notEquals: Record<string, string> };

/**
 * Distillation (and RFT) from Bedrock invocation logs instead of a prompt file: `trainingDataConfig.invocationLogsConfig`
 * as the API gives it (CreateModelCustomizationJob; distillation-data-prep-option-2). Filters on the requests'
 * metadata: `key=value` (equals) or `key!=value` (notEquals); several are all required (andAll) or any (orAll), at most
 * 16 — the service model's RequestMetadataFiltersList, each map holding one key.
 */
export function invocationLogsConfig(source: string, filters: string[] = [], match: "all" | "any" = "all", usePromptResponse?: boolean): InvocationLogsConfig {
  if (!/^s3:\/\/[^/]+/.test(source)) throw new PrepError(`--invocation-logs ${source}: the S3 prefix where Bedrock writes model invocation logs (s3://bucket/prefix/)`, 2);
  const parsed: Filter[] = filters.map((f) => {
    const m = /^([^=!]+)(!?=)(.*)$/.exec(f);
    if (!m || m[1]!.trim() === "") throw new PrepError(`--metadata-filter ${f}: expected key=value or key!=value (a requestMetadata key of the logged requests)`, 2);
    const map = { [m[1]!.trim()]: m[3]! };
    return m[2] === "=" ? { equals: map } : { notEquals: map };
  });
  if (parsed.length > 16) throw new PrepError(`${parsed.length} --metadata-filter options: a job takes at most 16`, 2);
  const requestMetadataFilters = parsed.length === 0 ? undefined : parsed.length === 1 ? parsed[0]! : match === "any" ? { orAll: parsed } : { andAll: parsed };
  return { invocationLogSource: { s3Uri: source }, ...(usePromptResponse !== undefined ? { usePromptResponse } : {}), ...(requestMetadataFilters ? { requestMetadataFilters } : {}) };
}

import { C, U } from "./fact.js";
import type { SourceKey } from "./sources.js";
import type { Profile } from "./table.js";

/**
 * Where a model stands for new customization jobs. `retired` (or `legacy` past its end date): data commands warn,
 * `job create` and `upload` refuse, naming the date and what to use instead. `unlisted`: the guide's current table no
 * longer lists it for new jobs; a warning.
 */
export interface Lifecycle {
  state: "active" | "legacy" | "unlisted" | "retired";
  /** End-of-life date (YYYY-MM-DD), where one is published. */
  endDate?: string;
  /** What to use instead (the guide's successor where it names one). */
  successor?: string;
  note: string;
  source: SourceKey;
}

const ACTIVE = (source: SourceKey): Lifecycle => ({ state: "active", note: "in the guide's current fine-tuning table", source });

export type Status = Pick<Profile, "baseModelId" | "lifecycle" | "regions">;
const WEST = C(["us-west-2"], "F1");
const EAST = C(["us-east-1"], "F1");
const unlisted = (successor: string): Status["lifecycle"] => ({ state: "unlisted", note: "no longer in the guide's current fine-tuning table (custom-model-fine-tuning); a new job may be refused", successor, source: "F1" });

/** Each model's identifier for jobs and where it stands, from the guide's current table (F1) and model cards. */
export const STATUS: Record<string, Status> = {
  "amazon.titan-text-express-v1": { baseModelId: C("amazon.titan-text-express-v1:0:8k", "F0"), lifecycle: unlisted("Amazon Nova Lite or Nova 2 Lite (conversation format)"), regions: C(["us-east-1", "us-west-2"], "F0") },
  "amazon.titan-text-lite-v1": { baseModelId: U("amazon.titan-text-lite-v1:0:4k", "F0"), lifecycle: unlisted("Amazon Nova Micro (conversation format)") },
  "amazon.titan-text-premier-v1:0": { baseModelId: U("amazon.titan-text-premier-v1:0:32k", "F0"), lifecycle: unlisted("Amazon Nova Pro (conversation format)") },
  "cohere.command-text-v14": { baseModelId: U("cohere.command-text-v14:7:4k", "D1"), lifecycle: { state: "retired", endDate: "2025-09-15", note: "Cohere deprecated fine-tuning on 2025-09-15; Bedrock's current table has no Cohere model", successor: "Amazon Nova Lite (conversation format)", source: "L2" } },
  "cohere.command-light-text-v14": { baseModelId: U("cohere.command-light-text-v14:7:4k", "D1"), lifecycle: { state: "retired", endDate: "2025-09-15", note: "Cohere deprecated fine-tuning on 2025-09-15; Bedrock's current table has no Cohere model", successor: "Amazon Nova Micro (conversation format)", source: "L2" } },
  "meta.llama2-13b-v1": { baseModelId: C("meta.llama2-13b-v1:0:4k", "M"), lifecycle: unlisted("Meta Llama 3.1 8B Instruct (--model llama3.1-8b, instruction format)") },
  "meta.llama2-70b-v1": { baseModelId: C("meta.llama2-70b-v1:0:4k", "M"), lifecycle: unlisted("Meta Llama 3.1 70B Instruct (--model llama3.1-70b, instruction format)") },
  "meta.llama3-1-8b-instruct-v1:0": { baseModelId: C("meta.llama3-1-8b-instruct-v1:0:128k", "F1"), lifecycle: ACTIVE("F1"), regions: WEST },
  "meta.llama3-1-70b-instruct-v1:0": { baseModelId: C("meta.llama3-1-70b-instruct-v1:0:128k", "F1"), lifecycle: ACTIVE("F1"), regions: WEST },
  "meta.llama3-2-1b-instruct-v1:0": { baseModelId: C("meta.llama3-2-1b-instruct-v1:0:128k", "F1"), lifecycle: ACTIVE("F1"), regions: WEST },
  "meta.llama3-2-3b-instruct-v1:0": { baseModelId: C("meta.llama3-2-3b-instruct-v1:0:128k", "F1"), lifecycle: ACTIVE("F1"), regions: WEST },
  "meta.llama3-2-11b-instruct-v1:0": { baseModelId: C("meta.llama3-2-11b-instruct-v1:0:128k", "F1"), lifecycle: ACTIVE("F1"), regions: WEST },
  "meta.llama3-2-90b-instruct-v1:0": { baseModelId: U("meta.llama3-2-90b-instruct-v1:0:128k", "F1"), lifecycle: ACTIVE("F1"), regions: WEST },
  "meta.llama3-3-70b-instruct-v1:0": { baseModelId: U("meta.llama3-3-70b-instruct-v1:0:128k", "F1"), lifecycle: ACTIVE("F1"), regions: WEST },
  "anthropic.claude-3-haiku-20240307-v1:0:200k": {
    baseModelId: C("anthropic.claude-3-haiku-20240307-v1:0:200k", "F1"),
    lifecycle: { state: "retired", endDate: "2026-09-10", note: "Claude 3 Haiku reached end of life on Bedrock on 2026-09-10 in its fine-tuning Region (us-west-2); the fine-tuning table still lists it", successor: "Amazon Nova 2 Lite (--model nova-2-lite; prep-data convert --to conversation turns a messages file into its format)", source: "L1" },
    regions: WEST,
  },
  "anthropic.claude-instant-v1": { baseModelId: C("anthropic.claude-instant-v1", "D1"), lifecycle: { state: "retired", note: "no longer offered for customization", successor: "Amazon Nova 2 Lite", source: "D1" } },
  "amazon.nova-micro-v1:0": { baseModelId: C("amazon.nova-micro-v1:0:128k", "F1"), lifecycle: ACTIVE("F1"), regions: EAST },
  "amazon.nova-lite-v1:0": { baseModelId: C("amazon.nova-lite-v1:0:300k", "F1"), lifecycle: ACTIVE("F1"), regions: EAST },
  "amazon.nova-pro-v1:0": { baseModelId: C("amazon.nova-pro-v1:0:300k", "F1"), lifecycle: ACTIVE("F1"), regions: EAST },
  "amazon.nova-2-lite-v1:0": { baseModelId: C("amazon.nova-2-lite-v1:0:256k", "F1"), lifecycle: ACTIVE("F1"), regions: EAST },
};

/** Whether a model can start a new job on `today`: retired, or legacy past its end date. */
export function isRetired(p: Pick<Profile, "lifecycle">, today = new Date()): boolean {
  const l = p.lifecycle;
  const day = today.toISOString().slice(0, 10);
  if (l.state === "retired") return l.endDate === undefined || l.endDate <= day;
  return l.state === "legacy" && l.endDate !== undefined && l.endDate <= day;
}

/** One line on where a model stands, for a warning or a refusal; undefined for an active model. */
export function lifecycleNotice(p: Pick<Profile, "id" | "name" | "lifecycle" | "target">, today = new Date()): string | undefined {
  const l = p.lifecycle;
  if (l.state === "active") return undefined;
  // Another trainer's target: its own service's notice, not Bedrock's table.
  if (p.target) return `${p.name}${isRetired(p, today) ? ` takes no new jobs since ${l.endDate}` : l.endDate ? ` takes new jobs until ${l.endDate}` : ""}: ${l.note} [${l.source}]${l.successor ? `; use ${l.successor} instead` : ""}`;
  const what = isRetired(p, today) ? `${p.name} can no longer be customized on Bedrock${l.endDate ? ` (end of life ${l.endDate})` : ""}` : l.state === "legacy" || l.state === "retired" ? `${p.name} is Legacy on Bedrock${l.endDate ? `, end of life ${l.endDate}` : ""}` : `${p.name} is no longer listed for new fine-tuning jobs on Bedrock`;
  return `${what}: ${l.note} [${l.source}]${l.successor ? `; use ${l.successor} instead` : ""}`;
}

import type { SourceKey } from "./sources.js";

/** A number (or list) with where it comes from. `confirmed: false` findings against it are warnings, not errors. */
export interface Fact<T> {
  value: T;
  source: SourceKey;
  confirmed: boolean;
}

const C = <T>(value: T, source: SourceKey): Fact<T> => ({ value, source, confirmed: true });
const U = <T>(value: T, source: SourceKey): Fact<T> => ({ value, source, confirmed: false });

export type Task = "fine-tuning" | "continued-pretraining" | "reinforcement-fine-tuning";

/** Per-record token limits; `total` may depend on the batch size. */
export interface TokenLimits {
  input?: Fact<number>;
  output?: Fact<number>;
  /** Total (input + output) by batch size: the first range containing the batch size applies. */
  total?: Fact<{ batch: [number, number]; tokens: number }[]>;
}

export interface TaskRules {
  formats: Fact<string[]>;
  tokens: TokenLimits;
  train?: { min?: Fact<number>; max?: Fact<number> };
  validation?: { min?: Fact<number>; max?: Fact<number> };
  /** Training + validation records together. */
  combinedMax?: Fact<number>;
  combinedMin?: Fact<number>;
  trainFileBytes?: Fact<number>;
  validationFileBytes?: Fact<number>;
  /** Set where the task takes no validation set: why (a given one is a warning: it would be ignored). */
  noValidationSet?: Fact<string>;
}

export interface Range {
  min: number;
  max: number;
  default?: number;
  /** Whole numbers (epochs, steps, batch sizes) or any number in the range (rates, thresholds). */
  type: "int" | "float";
}

/** Hyperparameters that take whole numbers; every other one takes a float (evalPercentage too: Cohere's page types it float, so 12.5 is taken). */
const INT_HPS = new Set(["epochCount", "batchSize", "learningRateWarmupSteps", "earlyStoppingPatience", "stepCount"]);

/** A hyperparameter table with each entry's type, from its name. */
function hp(ranges: Record<string, Omit<Range, "type">>): Record<string, Range> {
  return Object.fromEntries(Object.entries(ranges).map(([k, r]) => [k, { ...r, type: INT_HPS.has(k) ? "int" : "float" }]));
}

/** Rules for bedrock-conversation-2024 records beyond the format's own schema. */
export interface ConversationRules {
  /** `exact`: schemaVersion, when present, must be bedrock-conversation-2024; `any`: any string. */
  schemaVersion: Fact<"exact" | "any">;
  /** A record without schemaVersion: fine, or a warning (the docs' format shows it, the validator does not need it). */
  missingSchemaVersion: Fact<"ok" | "warn">;
  /** At most this many `system` blocks. */
  maxSystemBlocks?: Fact<number>;
  /** Image and video blocks are taken (false: text only). */
  media?: Fact<boolean>;
  /** Image formats taken, where narrower than the schema's (Nova 2 Lite: png, jpeg, gif). */
  imageFormats?: Fact<string[]>;
  videoFormats?: Fact<string[]>;
  /** Assistant reasoningContent blocks are taken (Nova 2). */
  reasoning?: Fact<boolean>;
  /** User document blocks (PDF) are taken, at most one per record (Nova 2). */
  documents?: Fact<boolean>;
  /** Images per record, at most. */
  maxImages?: Fact<number>;
  /** toolConfig / toolUse / toolResult: accepted by the format, but the job may fail (a warning with the reason). */
  toolsWarning?: Fact<string>;
  /** One kind of media across the whole dataset: text only, text + image, or text + video (never mixed). */
  homogeneousMedia?: Fact<boolean>;
}

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

export interface Profile {
  id: string;
  aliases: string[];
  name: string;
  /** Token counter: exact where the tokenizer is public, otherwise the labelled estimate. */
  tokenizer: "llama3" | "llama2" | "estimate";
  tasks: Partial<Record<Task, TaskRules>>;
  /** Strings a record may not contain (system and user/assistant text). */
  reserved?: Fact<string[]>;
  hyperparameters: Fact<Record<string, Range>>;
  conversation?: ConversationRules;
  /** Training and validation files must be named `*.jsonl`. */
  jsonlName?: Fact<boolean>;
  /** Set for a model Bedrock no longer customizes: why, and what to use instead. */
  notCustomizable?: string;
  /** The identifier `job create` sends as baseModelIdentifier: the guide's model ID, with its context suffix. */
  baseModelId: Fact<string>;
  lifecycle: Lifecycle;
  /** Regions where the guide lists the model for customization. */
  regions?: Fact<string[]>;
}

/** A profile before its job identifier and lifecycle are added (from STATUS). */
type ProfileDraft = Omit<Profile, "baseModelId" | "lifecycle" | "regions">;

const ACTIVE = (source: SourceKey): Lifecycle => ({ state: "active", note: "in the guide's current fine-tuning table", source });

const GB = 1024 ** 3;
const MB = 1024 ** 2;

const titanHp = C(hp({ epochCount: { min: 1, max: 10, default: 5 }, batchSize: { min: 1, max: 64, default: 1 }, learningRate: { min: 0, max: 1, default: 1e-5 }, learningRateWarmupSteps: { min: 0, max: 250, default: 5 } }), "H1");
const llamaHp = (src: SourceKey) => C(hp({ epochCount: { min: 1, max: 10, default: 5 }, batchSize: { min: 1, max: 1, default: 1 }, learningRate: { min: 5e-6, max: 0.1, default: 1e-4 } }), src);
const novaHp = C(hp({ epochCount: { min: 1, max: 5, default: 2 }, learningRate: { min: 1e-6, max: 1e-4, default: 1e-5 }, learningRateWarmupSteps: { min: 0, max: 100, default: 10 } }), "H7");

function titan(id: string, aliases: string[], name: string, total: { batch: [number, number]; tokens: number }[]): ProfileDraft {
  const tokens: TokenLimits = { total: C(total, "D1") };
  return {
    id,
    aliases,
    name,
    tokenizer: "estimate",
    tasks: {
      "fine-tuning": { formats: C(["instruction"], "D1"), tokens, trainFileBytes: C(1 * GB, "D2"), validationFileBytes: C(100 * MB, "D2") },
      "continued-pretraining": {
        formats: C(["cpt"], "D3"),
        tokens,
        train: { max: U(100_000, "W1") },
        validation: { max: U(1_000, "W1") },
        trainFileBytes: C(10 * GB, "D2"),
        validationFileBytes: C(100 * MB, "D2"),
      },
    },
    hyperparameters: titanHp,
  };
}

function llama31(id: string, aliases: string[], name: string): ProfileDraft {
  return {
    id,
    aliases,
    name,
    tokenizer: "llama3",
    tasks: {
      "fine-tuning": {
        formats: C(["instruction"], "D1"),
        tokens: { input: C(16_000, "D1"), output: C(16_000, "D1"), total: C([{ batch: [1, 1], tokens: 16_000 }], "D1") },
        combinedMin: C(100, "D1"),
        combinedMax: C(10_000, "D1"),
        validation: { max: U(1_000, "R2") },
      },
    },
    hyperparameters: llamaHp("H5"),
  };
}

function llamaConverse(id: string, aliases: string[], name: string, total: number, hp: SourceKey): ProfileDraft {
  return {
    id,
    aliases,
    name,
    tokenizer: "llama3",
    tasks: {
      "fine-tuning": {
        formats: C(["conversation"], "D1"),
        tokens: { total: C([{ batch: [1, 1], tokens: total }], "D1") },
        combinedMin: C(100, "D1"),
        combinedMax: C(10_000, "D1"),
        validation: { max: U(1_000, "R2") },
      },
    },
    hyperparameters: llamaHp(hp),
    // The AWS Llama validator: schemaVersion optional, but bedrock-conversation-2024 when present; one system block.
    conversation: { schemaVersion: C("exact", "R2"), missingSchemaVersion: C("warn", "D1"), maxSystemBlocks: C(1, "R2") },
  };
}

function nova(id: string, aliases: string[], name: string, media = true): ProfileDraft {
  return {
    id,
    aliases,
    name,
    tokenizer: "estimate",
    tasks: {
      "fine-tuning": {
        formats: C(["conversation"], "D5"),
        tokens: { total: C([{ batch: [1, Infinity], tokens: 32_000 }], "D5") },
        combinedMin: C(8, "D5"),
        combinedMax: C(20_000, "D5"),
      },
      "continued-pretraining": { formats: U(["text"], "R3b"), tokens: { total: C([{ batch: [1, Infinity], tokens: 32_000 }], "D5") } },
    },
    reserved: C(["User:", "Bot:", "Assistant:", "System:", "<image>", "<video>", "[EOS]"], "D5"),
    hyperparameters: novaHp,
    // Nova's docs: schemaVersion "can be any string value"; its validator does not need it. Micro is text only.
    conversation: { schemaVersion: C("any", "D5"), missingSchemaVersion: C("ok", "R3b"), media: C(media, "D5"), maxImages: C(10, "R3b"), homogeneousMedia: C(true, "D5") },
  };
}

type Status = Pick<Profile, "baseModelId" | "lifecycle" | "regions">;
const WEST = C(["us-west-2"], "F1");
const EAST = C(["us-east-1"], "F1");
const unlisted = (successor: string): Status["lifecycle"] => ({ state: "unlisted", note: "no longer in the guide's current fine-tuning table (custom-model-fine-tuning); a new job may be refused", successor, source: "F1" });

/** Each model's identifier for jobs and where it stands, from the guide's current table (F1) and model cards. */
const STATUS: Record<string, Status> = {
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

/** Every Bedrock customizable text model prep-data knows, with the source of each number. */
export const profiles: Profile[] = ([
  titan("amazon.titan-text-express-v1", ["titan-express", "titan-text-express"], "Amazon Titan Text G1 - Express", [
    { batch: [1, 1], tokens: 4096 },
    { batch: [2, 4], tokens: 2048 },
  ]),
  titan("amazon.titan-text-lite-v1", ["titan-lite", "titan-text-lite"], "Amazon Titan Text G1 - Lite", [
    { batch: [1, 2], tokens: 4096 },
    { batch: [3, 6], tokens: 2048 },
  ]),
  {
    id: "amazon.titan-text-premier-v1:0",
    aliases: ["titan-premier", "titan-text-premier"],
    name: "Amazon Titan Text Premier",
    tokenizer: "estimate",
    tasks: {
      "fine-tuning": {
        formats: C(["instruction"], "D1"),
        tokens: { total: C([{ batch: [1, 1], tokens: 4096 }], "D1") },
        trainFileBytes: C(1 * GB, "D1"),
        validationFileBytes: C(100 * MB, "D1"),
      },
    },
    hyperparameters: C(hp({ epochCount: { min: 1, max: 5, default: 2 }, batchSize: { min: 1, max: 1, default: 1 }, learningRate: { min: 1e-7, max: 1e-5, default: 1e-6 }, learningRateWarmupSteps: { min: 0, max: 20, default: 5 } }), "H1"),
  },
  {
    id: "cohere.command-text-v14",
    aliases: ["cohere-command", "command"],
    name: "Cohere Command",
    tokenizer: "estimate",
    tasks: {
      "fine-tuning": {
        formats: C(["instruction"], "D1"),
        tokens: { input: C(4096, "D1"), output: C(2048, "D1") },
        train: { max: C(10_000, "D1") },
        validation: { max: C(1_000, "D1") },
      },
    },
    hyperparameters: C(hp({ epochCount: { min: 1, max: 100, default: 1 }, batchSize: { min: 8, max: 8, default: 8 }, learningRate: { min: 5e-6, max: 0.1, default: 1e-5 }, earlyStoppingThreshold: { min: 0, max: 0.1, default: 0.01 }, earlyStoppingPatience: { min: 1, max: 10, default: 6 }, evalPercentage: { min: 5, max: 50, default: 20 } }), "H3"),
  },
  {
    id: "cohere.command-light-text-v14",
    aliases: ["cohere-command-light", "command-light"],
    name: "Cohere Command Light",
    tokenizer: "estimate",
    tasks: {
      "fine-tuning": {
        formats: C(["instruction"], "D1"),
        // The docs' table is headed "Cohere Command"; that Light shares these numbers is unconfirmed.
        tokens: { input: U(4096, "D1"), output: U(2048, "D1") },
        train: { max: U(10_000, "D1") },
        validation: { max: U(1_000, "D1") },
      },
    },
    hyperparameters: C(hp({ epochCount: { min: 1, max: 100, default: 1 }, batchSize: { min: 8, max: 32, default: 8 }, learningRate: { min: 5e-6, max: 0.1, default: 1e-5 }, earlyStoppingThreshold: { min: 0, max: 0.1, default: 0.01 }, earlyStoppingPatience: { min: 1, max: 10, default: 6 }, evalPercentage: { min: 5, max: 50, default: 20 } }), "H3"),
  },
  ...(["13b", "70b"] as const).map(
    (size): ProfileDraft => ({
      id: `meta.llama2-${size}-v1`,
      aliases: [`llama2-${size}`],
      name: `Meta Llama 2 ${size.toUpperCase()}`,
      tokenizer: "llama2",
      tasks: {
        "fine-tuning": {
          formats: C(["instruction"], "D1"),
          // No per-record limit is published, but the customizable variant (meta.llama2-*-v1:0:4k) has a 4k
          // context: a longer record cannot be trained on whole.
          tokens: { total: C([{ batch: [1, 1], tokens: 4096 }], "M") },
        },
      },
      hyperparameters: llamaHp("H4"),
    }),
  ),
  llama31("meta.llama3-1-8b-instruct-v1:0", ["llama3.1-8b", "llama3-1-8b"], "Meta Llama 3.1 8B Instruct"),
  llama31("meta.llama3-1-70b-instruct-v1:0", ["llama3.1-70b", "llama3-1-70b"], "Meta Llama 3.1 70B Instruct"),
  llamaConverse("meta.llama3-2-1b-instruct-v1:0", ["llama3.2-1b", "llama3-2-1b"], "Meta Llama 3.2 1B Instruct", 16_000, "H6"),
  llamaConverse("meta.llama3-2-3b-instruct-v1:0", ["llama3.2-3b", "llama3-2-3b"], "Meta Llama 3.2 3B Instruct", 16_000, "H6"),
  llamaConverse("meta.llama3-2-11b-instruct-v1:0", ["llama3.2-11b", "llama3-2-11b"], "Meta Llama 3.2 11B Vision Instruct", 16_000, "H6"),
  llamaConverse("meta.llama3-2-90b-instruct-v1:0", ["llama3.2-90b", "llama3-2-90b"], "Meta Llama 3.2 90B Vision Instruct", 10_000, "H6"),
  llamaConverse("meta.llama3-3-70b-instruct-v1:0", ["llama3.3-70b", "llama3-3-70b"], "Meta Llama 3.3 70B Instruct", 16_000, "H6"),
  {
    id: "anthropic.claude-3-haiku-20240307-v1:0:200k",
    aliases: ["haiku", "claude-3-haiku"],
    name: "Anthropic Claude 3 Haiku",
    tokenizer: "estimate",
    tasks: {
      "fine-tuning": {
        formats: C(["messages"], "D1"),
        tokens: { total: C([{ batch: [1, Infinity], tokens: 32_000 }], "D1") },
        train: { min: C(32, "D1"), max: C(10_000, "D1") },
        validation: { min: U(32, "R1"), max: C(1_000, "D1") },
        combinedMax: C(10_000, "D1"),
        trainFileBytes: C(10 * GB, "D1"),
        validationFileBytes: C(1 * GB, "D1"),
      },
    },
    // Stated by the AWS sample validator only, and no doc contradicts it: enforced (errors), as the sample does.
    reserved: C(["\nHuman:", "\nAssistant:"], "R1"),
    hyperparameters: C(hp({ epochCount: { min: 1, max: 10, default: 2 }, batchSize: { min: 4, max: 256, default: 32 }, learningRateMultiplier: { min: 0.1, max: 2, default: 1 }, earlyStoppingThreshold: { min: 0, max: 0.1, default: 0.001 }, earlyStoppingPatience: { min: 1, max: 10, default: 2 } }), "H2"),
  },
  {
    // The student model of the project's synthetic-data source (AWS ML blog, Feb 2025).
    id: "anthropic.claude-instant-v1",
    aliases: ["claude-instant", "claude-instant-1.2", "instant"],
    name: "Anthropic Claude Instant 1.2",
    tokenizer: "estimate",
    tasks: {},
    hyperparameters: C({}, "D1"),
    notCustomizable: "Claude Instant 1.2 is no longer offered for customization on Bedrock; fine-tune Amazon Nova 2 Lite instead (--model nova-2-lite, conversation format)",
  },
  nova("amazon.nova-micro-v1:0", ["nova-micro"], "Amazon Nova Micro", false),
  nova("amazon.nova-lite-v1:0", ["nova-lite"], "Amazon Nova Lite"),
  nova("amazon.nova-pro-v1:0", ["nova-pro"], "Amazon Nova Pro"),
  nova2Lite(),
] as ProfileDraft[]).map((p): Profile => ({ ...p, ...STATUS[p.id]!, jsonlName: p.jsonlName ?? C(true, "D1") })); // every model: "a JSONL file"

function nova2Lite(): ProfileDraft {
  const base = nova("amazon.nova-2-lite-v1:0", ["nova-2-lite", "nova2-lite", "nova-lite-2"], "Amazon Nova 2 Lite");
  return {
    ...base,
    tasks: {
      "fine-tuning": {
        formats: C(["conversation"], "N2"),
        // No per-record token limit is published for Nova 2 SFT; Nova 1's 32k is not assumed.
        tokens: {},
        train: { min: C(200, "R3b"), max: C(20_000, "R3b") },
        noValidationSet: C("Nova 2 SFT takes no validation set: a given one is ignored during training", "N2"),
      },
      "reinforcement-fine-tuning": {
        formats: C(["rft"], "RF1"),
        tokens: {},
        train: { min: C(100, "RF1"), max: C(20_000, "R3b") },
      },
    },
    // The Bedrock hyperparameter page lists Nova Micro/Lite/Pro only; Nova 2 Lite's SFT ranges are not published.
    hyperparameters: { ...novaHp, confirmed: false },
    conversation: {
      ...base.conversation!,
      media: C(true, "N2"),
      imageFormats: C(["png", "jpeg", "gif"], "N2"),
      videoFormats: C(["mov", "mkv", "mp4"], "N2"),
      reasoning: C(true, "N2"),
      documents: C(true, "N2G"),
      maxImages: C(10, "R3b"),
      toolsWarning: C("the Bedrock page says tool use is not currently supported by Nova 2 SFT and tool sections may make the job fail (the Nova 2 guide and AWS's sample validator accept them)", "N2"),
      homogeneousMedia: C(true, "N2"),
    },
  };
}

/** Whether a model can start a new job on `today`: retired, or legacy past its end date. */
export function isRetired(p: Pick<Profile, "lifecycle">, today = new Date()): boolean {
  const l = p.lifecycle;
  const day = today.toISOString().slice(0, 10);
  if (l.state === "retired") return l.endDate === undefined || l.endDate <= day;
  return l.state === "legacy" && l.endDate !== undefined && l.endDate <= day;
}

/** One line on where a model stands, for a warning or a refusal; undefined for an active model. */
export function lifecycleNotice(p: Pick<Profile, "id" | "name" | "lifecycle">, today = new Date()): string | undefined {
  const l = p.lifecycle;
  if (l.state === "active") return undefined;
  const what = isRetired(p, today) ? `${p.name} can no longer be customized on Bedrock${l.endDate ? ` (end of life ${l.endDate})` : ""}` : l.state === "legacy" || l.state === "retired" ? `${p.name} is Legacy on Bedrock${l.endDate ? `, end of life ${l.endDate}` : ""}` : `${p.name} is no longer listed for new fine-tuning jobs on Bedrock`;
  return `${what}: ${l.note} [${l.source}]${l.successor ? `; use ${l.successor} instead` : ""}`;
}

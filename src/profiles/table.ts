import { C, U, type Fact } from "./fact.js";
import { STATUS, type Lifecycle } from "./lifecycle.js";
import type { SourceKey } from "./sources.js";

export type { Fact } from "./fact.js";
export { isRetired, lifecycleNotice, type Lifecycle } from "./lifecycle.js";

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

/** A trainer's rules for openai-chat (and openai-preference) records. */
export interface OpenAiChatRules {
  /** Roles it takes. */
  roles: Fact<string[]>;
  /** Tool definitions, tool calls and tool results are taken. */
  tools?: Fact<boolean>;
  /** Assistant `weight` 0/1 is taken. */
  weight?: Fact<boolean>;
  /** After an optional system message, user and assistant alternate from the user's. */
  alternate?: Fact<boolean>;
}

export interface Profile {
  id: string;
  aliases: string[];
  name: string;
  /** Token counter: exact where the tokenizer is public, otherwise the labelled estimate. */
  tokenizer: "llama3" | "llama2" | "o200k" | "cl100k" | "estimate";
  /** Set for another trainer's rules (`--target`): files for it are not Bedrock's to upload or train on. */
  target?: string;
  /** What that trainer takes in openai-chat records beyond the format itself. */
  openaiChat?: OpenAiChatRules;
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


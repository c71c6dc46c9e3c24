import { C, U } from "../profiles/fact.js";
import type { Profile, TaskRules } from "../profiles/table.js";

/**
 * The trainers prep-data writes for besides Bedrock, as rule sets of the same shape as a Bedrock model's profile:
 * formats, per-example token limits, record counts and file sizes, each with its source. A target is named with
 * `--target NAME`; `validate`, `report`, `stats` and every prep command then check records and files against it.
 * Trainers that run on your own machines (TRL, LLaMA-Factory, Axolotl) publish no limits: their targets check
 * the shapes their loaders read.
 */
const MB = 1024 ** 2;
const GB = 1024 ** 3;

const ACTIVE = (source: Profile["lifecycle"]["source"], note: string): Profile["lifecycle"] => ({ state: "active", note, source });
const open = (formats: string[], source: "TRL1" | "LF1" | "AX1"): TaskRules => ({ formats: C(formats, source), tokens: {} });

export const targets: Profile[] = [
  {
    id: "openai",
    aliases: ["openai-ft"],
    name: "OpenAI fine-tuning (chat and DPO)",
    target: "openai",
    tokenizer: "o200k",
    tasks: {
      "fine-tuning": {
        formats: C(["openai-chat", "openai-preference"], "OA1"),
        // OpenAI's own model pages give context windows; the per-example training length is Azure's table's.
        tokens: { total: U([{ batch: [1, Infinity], tokens: 65_536 }], "AZ1") },
        train: { min: C(10, "OA1") },
        trainFileBytes: C(512 * MB, "OA2"),
      },
    },
    openaiChat: { roles: C(["system", "developer", "user", "assistant", "tool"], "OA1"), tools: C(true, "AZ2"), weight: C(true, "OA1") },
    hyperparameters: C({}, "OA1"),
    jsonlName: C(true, "OA2"),
    baseModelId: C("openai", "OA1"),
    lifecycle: { state: "legacy", endDate: "2027-01-06", note: "OpenAI is winding down self-serve fine-tuning: no new jobs for anyone from 2027-01-06 (notice of 2026-05-07); the same openai-chat file is read by Azure OpenAI, Together and Fireworks", successor: "--target azure, together or fireworks (the same openai-chat file)", source: "OA3" },
  },
  {
    id: "azure",
    aliases: ["azure-openai", "foundry"],
    name: "Azure OpenAI fine-tuning (Foundry)",
    target: "azure",
    tokenizer: "o200k",
    tasks: {
      "fine-tuning": {
        formats: C(["openai-chat", "openai-preference"], "AZ1"),
        tokens: { total: C([{ batch: [1, Infinity], tokens: 65_536 }], "AZ1") },
        // Azure takes OpenAI's files; its own pages repeat OpenAI's minimum without a number of their own.
        train: { min: U(10, "OA1") },
        trainFileBytes: U(512 * MB, "OA2"),
      },
    },
    openaiChat: { roles: C(["system", "developer", "user", "assistant", "tool"], "AZ2"), tools: C(true, "AZ2"), weight: C(true, "OA1") },
    hyperparameters: C({}, "AZ1"),
    jsonlName: C(true, "OA2"),
    baseModelId: C("azure", "AZ1"),
    lifecycle: ACTIVE("AZ1", "fine-tuning of gpt-4o, gpt-4o-mini and the gpt-4.1 family"),
  },
  {
    id: "together",
    aliases: ["together-ai"],
    name: "Together AI fine-tuning",
    target: "together",
    tokenizer: "estimate",
    tasks: {
      "fine-tuning": { formats: C(["openai-chat", "instruction", "openai-preference"], "TG1"), tokens: {}, trainFileBytes: C(100 * GB, "TG1") },
      "continued-pretraining": { formats: C(["text"], "TG1"), tokens: {}, trainFileBytes: C(100 * GB, "TG1") },
    },
    openaiChat: { roles: C(["system", "user", "assistant"], "TG1"), alternate: C(true, "TG1") },
    hyperparameters: C({}, "TG1"),
    jsonlName: C(true, "TG1"),
    baseModelId: C("together", "TG1"),
    lifecycle: ACTIVE("TG1", "per-model token limits are the chosen model's context length (not checked here)"),
  },
  {
    id: "fireworks",
    aliases: ["fireworks-ai"],
    name: "Fireworks AI fine-tuning",
    target: "fireworks",
    tokenizer: "estimate",
    tasks: { "fine-tuning": { formats: C(["openai-chat", "openai-preference"], "FW1"), tokens: {}, train: { min: C(3, "FW1"), max: C(3_000_000, "FW1") } } },
    openaiChat: { roles: C(["system", "user", "assistant"], "FW1") },
    hyperparameters: C({}, "FW1"),
    jsonlName: C(true, "FW1"),
    baseModelId: C("fireworks", "FW1"),
    lifecycle: ACTIVE("FW1", "supervised fine-tuning of the Model Library's tunable models"),
  },
  {
    id: "vertex",
    aliases: ["vertex-ai", "gemini"],
    name: "Google Vertex AI supervised tuning (Gemini 2.5)",
    target: "vertex",
    tokenizer: "estimate",
    tasks: {
      "fine-tuning": {
        formats: C(["vertex"], "VX2"),
        tokens: { total: C([{ batch: [1, Infinity], tokens: 131_072 }], "VX1") },
        train: { min: U(16, "VX0"), max: C(1_000_000, "VX1") },
        validation: { max: C(5_000, "VX1") },
        trainFileBytes: C(1 * GB, "VX1"),
      },
    },
    hyperparameters: C({}, "VX1"),
    jsonlName: C(true, "VX2"),
    baseModelId: C("vertex", "VX1"),
    lifecycle: ACTIVE("VX1", "Gemini 2.5 Flash, Flash-Lite and Pro"),
  },
  {
    id: "trl",
    aliases: ["hf-trl"],
    name: "Hugging Face TRL (SFTTrainer, DPOTrainer)",
    target: "trl",
    tokenizer: "estimate",
    tasks: { "fine-tuning": open(["openai-chat", "instruction", "trl-preference"], "TRL1"), "continued-pretraining": open(["text"], "TRL1") },
    openaiChat: { roles: C(["system", "user", "assistant", "tool"], "TRL1"), tools: C(true, "TRL1") },
    hyperparameters: C({}, "TRL1"),
    baseModelId: C("trl", "TRL1"),
    lifecycle: ACTIVE("TRL1", "runs where you run it: the per-example length is your max_length"),
  },
  {
    id: "llama-factory",
    aliases: ["llamafactory", "lf"],
    name: "LLaMA-Factory",
    target: "llama-factory",
    tokenizer: "estimate",
    tasks: { "fine-tuning": open(["alpaca", "sharegpt", "openai-chat"], "LF1"), "continued-pretraining": open(["text"], "LF1") },
    openaiChat: { roles: C(["system", "user", "assistant"], "LF1"), alternate: C(true, "LF1") },
    hyperparameters: C({}, "LF1"),
    baseModelId: C("llama-factory", "LF1"),
    lifecycle: ACTIVE("LF1", "runs where you run it: the per-example length is your cutoff_len"),
  },
  {
    id: "axolotl",
    aliases: [],
    name: "Axolotl",
    target: "axolotl",
    tokenizer: "estimate",
    tasks: { "fine-tuning": open(["openai-chat", "alpaca"], "AX1"), "continued-pretraining": open(["text"], "AX1") },
    openaiChat: { roles: C(["system", "user", "assistant", "tool"], "AX1"), tools: C(true, "AX1") },
    hyperparameters: C({}, "AX1"),
    baseModelId: C("axolotl", "AX1"),
    lifecycle: ACTIVE("AX1", "runs where you run it: the per-example length is your sequence_len"),
  },
];

export const targetNames = ["bedrock", ...targets.map((t) => t.id)];

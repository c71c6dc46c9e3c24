import { Option, type Command } from "commander";
import { chatConverter, chatShapes, type ConvertOptions } from "../convert/index.js";
import { getProfile } from "../profiles/index.js";
import type { Input } from "../prepare.js";
import { finding, PrepError, type Draft, type Finding } from "../record.js";
import { builtInTemplates } from "../templates/names.js";
import { dataKind } from "../sources/open.js";
import { loadTokenCounter, tokenizerNames } from "../tokens/index.js";
import { addWriteOptions, intArg, type OutputOpts } from "./options.js";
import { runRows } from "./run.js";

export interface ChatPolicyOpts {
  leadingAssistant: "drop" | "report";
  trailingUser: "trim" | "report";
  consecutive: "merge" | "report";
  maxTokens?: number;
  tooLong: "drop" | "split" | "error";
  tokenizer?: string;
}

/** The role-rule and length options shared by `convert` and `dialogsum --turns`. */
export function addChatPolicyOptions(c: Command): Command {
  return c
    .addOption(new Option("--leading-assistant <policy>", "a conversation that opens with the assistant").choices(["drop", "report"]).default("drop"))
    .addOption(new Option("--trailing-user <policy>", "a conversation that ends with the user").choices(["trim", "report"]).default("trim"))
    .addOption(new Option("--consecutive <policy>", "two turns of one role in a row").choices(["merge", "report"]).default("merge"))
    .option("--max-tokens <n>", "longest conversation allowed (system + all turns)", intArg("--max-tokens", 1))
    .addOption(new Option("--too-long <policy>", "a conversation over --max-tokens: drop it, split it at exchange boundaries, or reject it").choices(["drop", "split", "error"]).default("error"))
    .addOption(new Option("--tokenizer <name>", "token counter for --max-tokens (default: the model's, else cl100k)").choices(tokenizerNames));
}

export async function policyFrom(o: ChatPolicyOpts & { model?: string }): Promise<ConvertOptions> {
  const counter = o.maxTokens !== undefined ? await loadTokenCounter(o.tokenizer ?? (o.model ? getProfile(o.model).tokenizer : "cl100k")) : undefined;
  return { leadingAssistant: o.leadingAssistant, trailingUser: o.trailingUser, consecutive: o.consecutive, maxTokens: o.maxTokens, tooLong: o.tooLong, counter };
}

type ConvertCli = OutputOpts & ChatPolicyOpts & { to: string; from?: string; system?: string; chatTemplate?: string; split: string; config?: string; encoding?: string };

/** Chat drafts → text drafts rendered with a chat template (a record the template refuses is a finding). */
async function renderer(spec: string): Promise<(d: Draft | Finding) => Draft | Finding> {
  const { loadChatTemplate, draftMessages } = await import("../templates/chat-template.js");
  const template = loadChatTemplate(spec);
  return (d) => {
    if ("type" in d || d.kind !== "chat") return d;
    try {
      return { kind: "text", text: template.render(draftMessages(d)), origin: d.origin };
    } catch (e) {
      return finding("chat-template", (e as Error).message, d.origin);
    }
  };
}

export function addConvertCommand(program: Command, setExit: (code: number) => void): void {
  const c = program
    .command("convert <inputs...>")
    .description("chat datasets from one trainer's shape to another's: OpenAI chat, ShareGPT, Alpaca, Vertex, TRL and Bedrock records (files or hf:owner/name); what a target cannot hold is a finding, never dropped")
    .addOption(new Option("--to <format>", "record format to write (preference: Nova DPO pairs from chosen/rejected or preferred_output/non_preferred_output; evaluation: single-turn prompts with their reference, for eval and Bedrock evaluation jobs)").choices(["messages", "conversation", "instruction", "preference", "evaluation", "openai-chat", "openai-preference", "vertex", "trl-preference", "alpaca", "sharegpt", "text"]).makeOptionMandatory())
    .addOption(new Option("--from <shape>", "input shape (default: detected per record)").choices(chatShapes))
    .option("--system <text>", "system prompt for every record (replaces the record's own)")
    .option("--chat-template <name|file>", `with --to text: each conversation rendered with this chat template, as trainers that take raw text want it (built in: ${builtInTemplates.join(", ")}; or a model's tokenizer_config.json / .jinja)`)
    .option("--split <name>", "for hf: inputs, the split to read", "train")
    .option("--config <name>", "for hf: inputs, the parquet-branch config")
    .option("--encoding <name>", "input encoding when there is no BOM: utf8, utf16le, utf16be, latin1", "utf8");
  addWriteOptions(c, "-", "records")
    .option("-m, --model <id>", "check every record against this model's rules")
    .option("--batch-size <n>", "with --model: the job's batch size", intArg("--batch-size", 1))
    .option("--max-findings <n>", "print at most N findings (all are counted)", intArg("--max-findings"), 20)
    .option("-q, --quiet", "no notes or closing summary");
  addChatPolicyOptions(c).action(async (inputs: string[], o: ConvertCli) => {
    const hub = inputs.filter((i) => i.startsWith("hf:"));
    if (hub.length && inputs.length > 1) throw new PrepError("convert reads one hf: dataset, or local files, not both", 2);
    for (const f of inputs) if (!f.startsWith("hf:") && f !== "-" && !dataKind(f)) throw new PrepError(`${f}: expected .jsonl, .json or .parquet`, 2);
    const input: Input = hub.length ? { kind: "hub", dataset: hub[0]!, split: o.split, config: o.config } : { kind: "files", paths: inputs, table: { ...(inputs[0] === "-" ? { kind: "jsonl" as const } : {}), encoding: o.encoding } };
    const policy = await policyFrom(o);
    if ((o.to === "text") !== (o.chatTemplate !== undefined)) throw new PrepError(o.to === "text" ? "--to text writes each conversation rendered with a chat template: give --chat-template NAME_OR_FILE" : "--chat-template renders conversations as text: use it with --to text", 2);
    const convert = chatConverter({ ...policy, from: o.from as ConvertOptions["from"], system: o.system, preference: ["preference", "openai-preference", "trl-preference"].includes(o.to) });
    const render = o.chatTemplate ? await renderer(o.chatTemplate) : undefined;
    setExit(await runRows(input, render ? (row) => convert(row).map(render) : convert, { ...o, format: o.to }));
  });
}

import { Option, type Command } from "commander";
import { dialogueConverter, DEFAULT_SPEAKER_PATTERN } from "../convert/index.js";
import { presets } from "../presets/index.js";
import { finding, PrepError, type Row } from "../record.js";
import { draftFromTemplates } from "../transforms/draft.js";
import { addChatPolicyOptions, policyFrom, type ChatPolicyOpts } from "./convert.js";
import { addOutputOptions, templatesFor, validationPathFor, type OutputOpts, type TemplateOpts } from "./options.js";
import { runRows, runTemplated } from "./run.js";

type DialogsumOpts = OutputOpts & {
  format: string;
  split: string;
  validation?: boolean;
  revision: string;
  template: string;
  system?: string;
  category?: string;
  turns?: boolean;
  userSpeaker: string;
  assistantSpeaker: string;
  /** Deprecated names of --user-speaker / --assistant-speaker (--user is a template everywhere else). */
  user?: string;
  assistant?: string;
  speakerPattern: string;
};

/** `dialogsum`: the original Bedrock demo, ready to run (DialogSum from the Hub into any prompt/completion or chat format). */
export function addDialogsumCommand(program: Command, setExit: (code: number) => void): void {
  const preset = presets.dialogsum!;
  const dialogsum = program
    .command("dialogsum")
    .description(`${preset.description}: prompt = the demo's instruction + dialogue, completion = summary`)
    .addOption(new Option("-f, --format <name>", "record format (evaluation: one prompt per dialogue, its first reference summary as referenceResponse)").choices(["instruction", "messages", "conversation", "evaluation"]).default("instruction"))
    .option("--split <name>", "split to read", "train")
    .option("--validation", "also write the validation split to its own file (train → validation in the name)")
    .option("--revision <rev>", "dataset revision (branch, tag or commit)", "main")
    .option("--template <template>", "prompt / user-turn template ({dialogue} and the other columns)", preset.templates.user)
    .option("--system <text>", "system prompt (messages, conversation)")
    .option("--category <template>", "with --format evaluation: each prompt's category, e.g. '{topic}'")
    .option("--turns", "multi-turn: the dialogue's own turns become the conversation (messages or conversation format)")
    .option("--user-speaker <speaker>", "with --turns: the speaker whose turns are the user's", "#Person1#")
    .option("--assistant-speaker <speaker>", "with --turns: the speaker whose turns are the assistant's", "#Person2#")
    // The old names, which meant templates in every other command: still read, with a warning.
    .addOption(new Option("--user <speaker>", "deprecated: --user-speaker").hideHelp())
    .addOption(new Option("--assistant <speaker>", "deprecated: --assistant-speaker").hideHelp())
    .option("--speaker-pattern <regex>", "with --turns: speaker tag at the start of a turn, the tag in group 1", DEFAULT_SPEAKER_PATTERN);
  addChatPolicyOptions(dialogsum);
  addOutputOptions(dialogsum, "dialogsum-train.jsonl").action(async (o: DialogsumOpts & ChatPolicyOpts, cmd: Command) => {
    const output = cmd.getOptionValueSource("output") === "default" ? `dialogsum-${o.split}.jsonl` : o.output;
    if (o.turns) {
      if (o.format === "instruction") throw new PrepError("--turns writes multi-turn records: use --format messages or conversation", 2);
      const dataset = `${preset.dataset}@${o.revision}`;
      for (const [old, now] of [["user", "user-speaker"], ["assistant", "assistant-speaker"]] as const) {
        if (o[old] !== undefined && !o.quiet) process.stderr.write(`warning: dialogsum --${old} is deprecated (--${old} is a template in the other commands): use --${now}\n`);
      }
      const convert = dialogueConverter(preset.dialogueColumn!, { user: o.user ?? o.userSpeaker, assistant: o.assistant ?? o.assistantSpeaker, speakerPattern: o.speakerPattern }, { ...(await policyFrom(o)), system: o.system });
      let code = await runRows({ kind: "hub", dataset, split: o.split }, convert, { ...o, output });
      if (o.validation) code = Math.max(code, await runRows({ kind: "hub", dataset, split: "validation" }, convert, { ...o, output: o.validationOutput ?? validationPathFor(output), limit: undefined }));
      setExit(code);
      return;
    }
    if (cmd.getOptionValueSource("user") === "cli" || cmd.getOptionValueSource("assistant") === "cli") {
      throw new PrepError("--user and --assistant name speakers for --turns", 2);
    }
    // --user/--assistant name speakers for --turns; here the preset's templates are the turns.
    const tpl: TemplateOpts = { format: o.format, prompt: o.template, completion: preset.templates.assistant, system: o.system, user: undefined, assistant: undefined };
    const dataset = `${preset.dataset}@${o.revision}`;
    if (o.format === "evaluation") {
      // The test split lists each dialogue three times, once per reference summary: one prompt each, the first
      // summary as its referenceResponse (Bedrock takes one); the others are counted.
      const draft = draftFromTemplates(templatesFor({ ...tpl, category: o.category }));
      let last: unknown;
      let nth = 0;
      const toDraft = (row: Row) => {
        const same = row.values.dialogue === last;
        last = row.values.dialogue;
        nth = same ? nth + 1 : 1;
        return same ? finding("extra-reference", `reference summary ${nth} of this dialogue: an evaluation prompt takes one referenceResponse; the first is kept`, row.origin, "warning") : draft(row);
      };
      setExit(await runRows({ kind: "hub", dataset, split: o.split }, toDraft, { ...o, format: "evaluation", output }));
      return;
    }
    if (o.category !== undefined) throw new PrepError("--category is for --format evaluation", 2);
    let code = await runTemplated({ kind: "hub", dataset, split: o.split }, { ...o, ...tpl, output });
    if (o.validation) {
      const vout = o.validationOutput ?? validationPathFor(output);
      const vcode = await runTemplated({ kind: "hub", dataset, split: "validation" }, { ...o, ...tpl, output: vout, limit: undefined, validationFraction: undefined, testFraction: undefined, groupBy: undefined });
      code = Math.max(code, vcode);
    }
    setExit(code);
  });
}

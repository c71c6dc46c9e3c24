import { maskStderr, registerEnvSecrets } from "../secrets.js";
import { Command, CommanderError, Option } from "commander";
import { dialogueConverter, DEFAULT_SPEAKER_PATTERN } from "../convert/index.js";
import { presets } from "../presets/index.js";
import { installSignalHandlers, whenSignalled } from "../jsonl.js";
export { osReason } from "../jsonl.js";
import { finding, PrepError, type Row } from "../record.js";
import { addRegisterCommand } from "./register.js";
import { addPushCommand } from "./push.js";
import { getProfile, getTarget, isRetired, lifecycleNotice, targetNames } from "../profiles/index.js";
import { draftFromTemplates } from "../transforms/draft.js";
import { dataKind } from "../sources/open.js";
import type { TableOptions } from "../sources/table.js";
import { addChatPolicyOptions, addConvertCommand, policyFrom, type ChatPolicyOpts } from "./convert.js";
import { addOutputOptions, addTemplateOptions, templatesFor, validationPathFor, type OutputOpts, type TemplateOpts } from "./options.js";
import { addPdfCommand } from "./pdf.js";
import { addSynthCommand } from "./synth.js";
import { addCurateCommand } from "./curate.js";
import { addEvalCommand } from "./eval.js";
import { addHelpTexts } from "./help.js";
import { addCompletionCommands } from "./completion.js";
import { addRunCommand } from "./recipe.js";
import { addReportCommand } from "./html-report.js";
import { addReviewCommand } from "./review.js";
import { distance } from "fastest-levenshtein";
import { addJobCommands } from "./job.js";
import { addGraderCommands } from "./grader.js";
import { addOpsCommands } from "./ops.js";
import { addTextCommand } from "./text.js";
import { report } from "./report.js";
import { runRows, runTemplated, type ChunkCliOpts } from "./run.js";
import { addChunkOptions } from "./documents.js";
import { addValidateCommands } from "./validate.js";

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

/**
 * A `--model` that can no longer start a job: `upload` and `job create` refuse it (exit 2) with the date and what to
 * use instead; every other command warns once and checks the file against the model's last published rules.
 */
function modelLifecycle(action: Command): void {
  const model = action.opts().model;
  if (typeof model !== "string") return;
  const p = getProfile(model, { listing: true });
  const path = `${action.parent?.name() === "job" ? "job " : ""}${action.name()}`;
  if (p.target && (path === "job create" || path === "upload")) throw new PrepError(`${path} starts Bedrock jobs; ${p.name} (--target ${p.target}) reads its files through its own service or trainer: check them with prep-data validate --target ${p.target}`, 2);
  const notice = lifecycleNotice(p);
  if (!notice) return;
  if (isRetired(p) && (path === "job create" || path === "upload")) throw new PrepError(`${p.id}: ${notice}`, 2);
  if (!action.opts().quiet) process.stderr.write(`WARNING: ${notice}${isRetired(p) ? " (the file is checked against its last published rules)" : ""}\n`);
}

/**
 * `--target NAME`: the target's rules stand where a Bedrock model's would (the command's `--model`), and a format
 * left at its default becomes the first one the target takes.
 */
function applyTarget(cmd: Command, action: Command): void {
  const name = (cmd.opts() as { target?: string }).target;
  if (name === undefined) return;
  const t = getTarget(name);
  if (!t) return; // bedrock: rules per --model, as without --target
  if (action.name() === "register") return; // reads --target itself: which trainer to register the file with
  const option = (attr: string) => action.options.find((o) => o.attributeName() === attr);
  const model = option("model");
  const path = `${action.parent?.name() === "job" ? "job " : ""}${action.name()}`;
  if (!model || !/<id>/.test(model.flags)) throw new PrepError(`--target applies to commands that check records against rules (validate, report, stats, convert, the prep commands); ${path} takes none`, 2);
  if (action.opts().model !== undefined) throw new PrepError(`--model names a Bedrock model; with --target ${t.id} that target's rules apply: give one of the two`, 2);
  action.setOptionValue("model", t.id);
  const format = option("format");
  if (format && action.getOptionValueSource("format") === "default") {
    const taken = Object.values(t.tasks).flatMap((r) => r!.formats.value);
    const pick = taken.find((f) => !format.argChoices || format.argChoices.includes(f));
    if (!pick) throw new PrepError(`${path} writes ${format.argChoices!.join(", ")}; ${t.id} takes ${taken.join(", ")}`, 2);
    action.setOptionValueWithSource("format", pick, "cli");
  }
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("prep-data")
    .description("Turn documents and datasets into validated JSONL training files (Amazon Bedrock first).")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .option("--s3-path-style", "address S3 buckets by path (http://host/bucket/key), for S3-compatible stores (or PREP_DATA_S3_PATH_STYLE=1)")
    // As the AWS CLI takes them (the environment variables still work; an option wins over its variable).
    .option("--region <region>", "AWS Region for every AWS call (else AWS_REGION, the profile's, …)")
    .option("--profile <name>", "AWS named profile from ~/.aws/config and credentials (else AWS_PROFILE)")
    .option("--endpoint-url <url>", "endpoint for every AWS service the command calls (else AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, …_BEDROCK, …_BEDROCK_RUNTIME)")
    .option("--target <name>", `the trainer the data is for: bedrock (default; rules per --model), ${targetNames.slice(1).join(", ")} — its formats, limits and file rules apply (see prep-data models)`)
    .option("--print-recipe", "print this command line as a recipe step (YAML, for prep-data run) on stderr, then run it")
    .hook("preAction", async (cmd, action) => {
      if ((cmd.opts() as { printRecipe?: boolean }).printRecipe) {
        const { recipeStepText } = await import("../recipe/recipe.js");
        const raw = ((cmd as unknown as { rawArgs?: string[] }).rawArgs ?? process.argv).slice(2);
        process.stderr.write(await recipeStepText(raw.filter((a) => a !== "--print-recipe")));
      }
      const g = cmd.opts() as { s3PathStyle?: boolean; region?: string; profile?: string; endpointUrl?: string };
      if (g.s3PathStyle) process.env.PREP_DATA_S3_PATH_STYLE = "1";
      if (g.region) process.env.AWS_REGION = g.region;
      if (g.profile) process.env.AWS_PROFILE = g.profile;
      if (g.endpointUrl) {
        if (!/^https?:\/\/[^\s/]+/.test(g.endpointUrl)) throw new PrepError(`--endpoint-url ${g.endpointUrl}: expected http(s)://host[:port]`, 2);
        // The service-specific variables win over the global one in the SDK: the option must win over both.
        for (const k of ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_BEDROCK", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"]) process.env[k] = g.endpointUrl;
      }
      applyTarget(cmd, action);
      modelLifecycle(action);
    });

  // dialogsum: the original Bedrock demo, ready to run.
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

  const addChunking = (c: Command) => addChunkOptions(c.option("--chunk", "cpt/text: cut a long --text value into chunks (like pdf and text: size, overlap, hard maximum) instead of rejecting it; a row's chunks stay in one split"), "with --chunk: target chunk size (default 700 tokens)");
  const tableCommand = (name: string, description: string, extra: (c: Command) => Command, tableOpts: (o: Record<string, any>) => TableOptions) => {
    const c = extra(program.command(`${name} <files...>`).description(description));
    addChunking(addOutputOptions(addTemplateOptions(c))).action(async (files0: string[], o: OutputOpts & TemplateOpts & ChunkCliOpts) => {
      const table = tableOpts(o);
      // s3://bucket/prefix/ and s3://bucket/prefix/*.csv name every object they match.
      const files: string[] = [];
      for (const f of files0) {
        if (f.startsWith("s3://") && (f.endsWith("/") || f.includes("*"))) {
          const { listObjects } = await import("../s3/s3.js");
          const found = (await listObjects(f)).filter((k) => !k.endsWith("/"));
          if (!found.length) throw new PrepError(`${f}: no objects match`, 2);
          files.push(...found);
        } else files.push(f);
      }
      for (const f of files) {
        // json -: JSON Lines or JSON, told by content as for files.
        if (f === "-" && name === "json") table.kind = "json";
        if (!table.kind && !dataKind(f)) throw new PrepError(`${f}: cannot tell the data format from the name (.csv, .tsv, .jsonl, .json, .parquet, optionally .gz)`, 2);
      }
      setExit(await runTemplated({ kind: "files", paths: files, table }, o));
    });
  };

  tableCommand(
    "csv",
    "CSV/TSV files (or - for stdin) → records via {column} templates (RFC 4180; BOM, quoted newlines, CRLF/CR; UTF-16 by BOM)",
    (c) =>
      c
        .option("-d, --delimiter <char>", "field delimiter (default , and tab for .tsv; \\t for tab)")
        .option("--quote <char>", "quote character", '"')
        .option("--escape <char>", "escape character inside quotes", '"')
        .option("--encoding <name>", "encoding when there is no BOM: utf8, utf16le, utf16be, latin1", "utf8")
        .option("--no-header", "the first row is data; columns are col1, col2, …")
        .option("--comment <char>", "skip lines starting with this character"),
    (o) => ({
      kind: "csv",
      delimiter: o.delimiter === "\\t" ? "\t" : o.delimiter,
      quote: o.quote,
      escape: o.escape,
      encoding: o.encoding,
      header: o.header,
      comment: o.comment,
    }),
  );
  tableCommand(
    "json",
    'JSON Lines or JSON files (an array of objects, or {"data": [...]}) → records via {column} templates',
    (c) =>
      c
        .option("--field <key>", "for a JSON object file: the key holding the rows", "data")
        .option("--encoding <name>", "encoding when there is no BOM: utf8, utf16le, utf16be, latin1", "utf8"),
    (o) => ({ field: o.field, encoding: o.encoding }),
  );
  tableCommand("parquet", "Parquet files → records via {column} templates (read one row group at a time)", (c) => c, () => ({ kind: "parquet" }));

  const hf = program
    .command("hf <dataset>")
    .description("a Hugging Face Hub dataset (owner/name[@revision]) → records via {column} templates")
    .option("--split <name>", "split to read", "train")
    .option("--config <name>", "config of the refs/convert/parquet branch, when it is used")
    .option("--revision <rev>", "revision (overrides @rev in the name)");
  addChunking(addOutputOptions(addTemplateOptions(hf))).action(async (dataset: string, o: OutputOpts & TemplateOpts & ChunkCliOpts & { split: string; config?: string; revision?: string }) => {
    const spec = o.revision ? `${dataset.replace(/@.*$/, "")}@${o.revision}` : dataset;
    setExit(await runTemplated({ kind: "hub", dataset: spec, split: o.split, config: o.config }, o));
  });

  addPdfCommand(program, setExit);
  addSynthCommand(program, setExit);
  addCurateCommand(program, setExit);
  addEvalCommand(program, setExit);
  addJobCommands(program, setExit);
  addGraderCommands(program, setExit);
  addOpsCommands(program, setExit);
  addTextCommand(program, setExit);
  addConvertCommand(program, setExit);
  addValidateCommands(program, setExit);
  addRunCommand(program, setExit);
  addReportCommand(program, setExit);
  addReviewCommand(program);
  addRegisterCommand(program, setExit);
  addPushCommand(program, setExit);
  addCompletionCommands(program);
  addHelpTexts(program);
  return program;
}

/**
 * Run the CLI; returns the exit code: 0 ok, 1 some records or files were rejected (the rest written), 2 usage error,
 * 3 the run failed and wrote nothing usable (input unreachable, write error, every row rejected).
 */
export async function main(argv: string[] = process.argv): Promise<number> {
  // Keys and passwords this process sends never reach stderr or --report (a gateway may echo them back).
  registerEnvSecrets();
  maskStderr();
  // From the start, not only once an output is open: a signal while inputs are read, checked or opened (a PDF's
  // bomb checks, a Hub download) exits like the signal with one line, as it does later.
  installSignalHandlers();
  let code = 0;
  const program = buildProgram((c) => (code = c));
  const override = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  let failure: { code: number; message: string } | undefined;
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.invalidArgument") {
        // A value outside an option's choices (--format intsruction): the nearest choice, as for model names.
        const m = /argument '([^']*)' is invalid\. Allowed choices are (.*)\.$/m.exec(e.message);
        if (m) {
          const choices = m[2]!.split(", ");
          const best = choices.map((c) => ({ c, d: distance(m[1]!.toLowerCase(), c.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
          if (best && best.d <= Math.max(2, Math.floor(best.c.length / 3))) process.stderr.write(`did you mean ${best.c}?\n`);
        }
      }
      return ["commander.helpDisplayed", "commander.version", "commander.help"].includes(e.code) ? 0 : 2;
    }
    // Interrupted: the signal handler removes the temp files and exits; errors caused by that are not news.
    const sig = whenSignalled();
    if (sig) await sig;
    if (e instanceof PrepError) {
      process.stderr.write(`prep-data: ${e.message}\n`);
      failure = { code: e.exitCode === 1 ? 3 : e.exitCode, message: e.message };
    } else {
      process.stderr.write(`prep-data: internal error: ${(e as Error).stack ?? String(e)}\n`);
      failure = { code: 3, message: `internal error: ${(e as Error).message}` };
    }
  }
  // --report: the closing summary as JSON, also for a run that failed (with its error); a usage error writes nothing.
  try {
    if (failure?.code !== 2) await report.write(failure?.code ?? code, failure?.message);
  } catch (e) {
    process.stderr.write(`prep-data: ${(e as Error).message}\n`);
    return 3;
  }
  return failure?.code ?? code;
}

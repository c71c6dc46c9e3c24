import { maskStderr, registerEnvSecrets } from "../secrets.js";
import { Command, CommanderError } from "commander";
import { installSignalHandlers, whenSignalled } from "../jsonl.js";
export { osReason } from "../jsonl.js";
import { PrepError } from "../record.js";
import { targetNames } from "../targets/table.js";
import { distance } from "fastest-levenshtein";
import { addHelpTexts } from "./help.js";
import { COMMAND_MODULES, modulesFor } from "./commands.js";
import { VERSION } from "../version.js";

/**
 * A `--model` that can no longer start a job: `upload` and `job create` refuse it (exit 2) with the date and what to
 * use instead; every other command warns once and checks the file against the model's last published rules.
 */
async function modelLifecycle(action: Command): Promise<void> {
  const model = action.opts().model;
  if (typeof model !== "string") return;
  const { getProfile, isRetired, lifecycleNotice } = await import("../profiles/index.js");
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
async function applyTarget(cmd: Command, action: Command): Promise<void> {
  const name = (cmd.opts() as { target?: string }).target;
  if (name === undefined) return;
  const { getTarget } = await import("../profiles/index.js");
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

/**
 * The program with the commands of `modules` (every command unless told; main gives only the one its command line
 * names, see modulesFor).
 */
export async function buildProgram(setExit: (code: number) => void, modules = COMMAND_MODULES): Promise<Command> {
  const program = new Command("prep-data")
    .description("Turn documents and datasets into validated JSONL training files (Amazon Bedrock first).")
    .version(VERSION)
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
      await applyTarget(cmd, action);
      await modelLifecycle(action);
    });

  for (const m of modules) (await m.load())(program, setExit);
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
  const modules = modulesFor(argv.slice(2));
  const program = await buildProgram((c) => (code = c), modules);
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
    // A run that loaded no command (--version) has no report to write.
    if (failure?.code !== 2 && modules.length) await (await import("./report.js")).report.write(failure?.code ?? code, failure?.message);
  } catch (e) {
    process.stderr.write(`prep-data: ${(e as Error).message}\n`);
    return 3;
  }
  return failure?.code ?? code;
}

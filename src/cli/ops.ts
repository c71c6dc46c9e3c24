import { Option, type Command } from "commander";
import { PrepError } from "../record.js";
import { expandShards } from "../ops/shard-set.js";
import { common, operate, type OpsOpts } from "./operate.js";
import { fractionArg, intArg } from "./options.js";
import { Reporter } from "./report.js";

const KEY_HELP = "compare records by this template instead of whole: {question} (the last user turn's last paragraph), {user}, {assistant}, {system}, {first_user}, or a top-level field such as {prompt}";

interface SplitOpts {
  output: string;
  validationFraction?: number;
  validationOutput?: string;
  testFraction?: number;
  testOutput?: string;
  /** The old names of --validation-output and --test-output (the data commands' names), still read. */
  validation?: string;
  test?: string;
  groupBy?: string;
  seed: number;
}

/** The split options of `split` and `merge`: fractions, files, and the stable coin of a record's index or group. */
const splitFlags = (c: Command) =>
  c
    .option("--validation-fraction <f>", "fraction for the validation file (0 < f < 1)", fractionArg)
    .option("--validation-output <file>", "validation file (default: train → validation in the output's name; alias --validation)")
    .option("--test-fraction <f>", "fraction for the test file (0 < f < 1)", fractionArg)
    .option("--test-output <file>", "test file (default: train → test; alias --test)")
    // The data commands name these --validation-output and --test-output: one name each, the old ones kept as aliases.
    .addOption(new Option("--validation <file>", "alias of --validation-output").hideHelp())
    .addOption(new Option("--test <file>", "alias of --test-output").hideHelp())
    .option("--group-by <field>", "a top-level field (or a {template} over fields) whose value keeps records together")
    .option("--seed <n>", "seed", intArg("--seed"), 0);

/** The split options by their library names (--validation and --test are aliases of the -output names). */
function splitOptions(o: SplitOpts) {
  for (const [alias, name, x, y] of [["--validation", "--validation-output", o.validation, o.validationOutput], ["--test", "--test-output", o.test, o.testOutput]] as const) {
    if (x !== undefined && y !== undefined && x !== y) throw new PrepError(`${alias} is another name of ${name}: give one`, 2);
  }
  return { validationFraction: o.validationFraction, validationOutput: o.validationOutput ?? o.validation, testFraction: o.testFraction, testOutput: o.testOutput ?? o.test, groupBy: o.groupBy, seed: o.seed };
}

export function addOpsCommands(program: Command, setExit: (code: number) => void): void {
  common(
    program
      .command("dedup <files...>")
      .description("remove duplicate records: exact (whitespace-normalised, as validate) and, with --near, near-duplicates by MinHash + LSH over word shingles; the first occurrence is kept")
      .option("--near [threshold]", "also remove near-duplicates at this estimated Jaccard similarity (default 0.8)")
      .option("--key <template>", KEY_HELP),
  ).action(async (files: string[], o: OpsOpts & { near?: string | boolean; key?: string }) => {
    const { dedupFiles } = await import("../ops/commands.js");
    const near = o.near === undefined ? undefined : o.near === true ? 0.8 : Number(o.near);
    setExit(await operate("dedup", o, (hooks) => dedupFiles(files, { ...o, ...hooks, near, key: o.key })));
  });


  common(
    program
      .command("sample <files...>")
      .description("a uniform random sample of N records in one pass (reservoir sampling), the same for a seed, in file order")
      .requiredOption("-n, --count <n>", "records to keep", intArg("--count", 1))
      .option("--seed <n>", "random seed", intArg("--seed"), 0),
  ).action(async (files: string[], o: OpsOpts & { count: number; seed: number }) => {
    const { sampleFiles } = await import("../ops/commands.js");
    setExit(await operate("sample", o, (hooks) => sampleFiles(files, { ...o, ...hooks })));
  });


  common(
    program
      .command("shuffle <files...>")
      .description("shuffle records, deterministic for a seed, in bounded memory (external shuffle through temp buckets)")
      .option("--seed <n>", "random seed", intArg("--seed"), 0)
      .option("--bucket-mb <n>", "memory per bucket", intArg("--bucket-mb", 1), 64),
  ).action(async (files: string[], o: OpsOpts & { seed: number; bucketMb: number }) => {
    const { shuffleFiles } = await import("../ops/commands.js");
    setExit(await operate("shuffle", o, (hooks) => shuffleFiles(files, { ...o, ...hooks })));
  });


  common(
    splitFlags(
      program.command("split <file>").description("split a dataset into train (-o), validation and test files by the data commands' stable rule, optionally by group"),
    ),
    "train.jsonl",
  ).action(async (file: string, o: OpsOpts & SplitOpts) => {
    const { splitFile } = await import("../ops/commands.js");
    setExit(await operate("split", o, (hooks) => splitFile(file, { output: o.output, rejects: o.rejects, ...splitOptions(o), ...hooks })));
  });


  common(
    splitFlags(
      program
        .command("merge <files...>")
        .description(
          "concatenate datasets of one format (or the shards of an array job, checked complete); --dedup removes duplicates across them; the split options split the merged records by the stable rule; --model validates the result",
        ),
    )
      .option("--dedup <kind>", "exact or near (MinHash, threshold 0.8) duplicates across the inputs")
      .option("--key <template>", `with --dedup: ${KEY_HELP}`)
      .option("--model <id>", "validate the merged files against this model's dataset rules (exit 1 when they would be rejected)")
      .option("--batch-size <n>", "with --model: the batch size the job will use", intArg("--batch-size", 1))
      .option("--metadata <file>", "each record's origin: file, line, and --tag")

      .option("--tag", "name each input's records by the file's name in --metadata (e.g. originals vs synthetic)"),
  ).action(async (files0: string[], o: OpsOpts & SplitOpts & { dedup?: string; tag?: boolean; model?: string; batchSize?: number; key?: string }) => {
    if (o.dedup !== undefined && o.dedup !== "exact" && o.dedup !== "near") throw new PrepError("--dedup takes exact or near", 2);
    if (o.key !== undefined && o.dedup === undefined) throw new PrepError("--key says what --dedup compares: add --dedup exact or --dedup near", 2);
    const split = splitOptions(o);
    if (o.model) {
      const { getProfile } = await import("../profiles/index.js");
      getProfile(o.model); // an unknown model is a usage error before any work
    }
    const files = await expandShards(files0, o.quiet);
    const { mergeFiles } = await import("../ops/commands.js");
    let vpath: string | undefined;
    let code = await operate("merge", o, async (hooks) => {
      const r = await mergeFiles(files, { output: o.output, rejects: o.rejects, metadata: o.metadata, dedup: o.dedup as "exact" | "near" | undefined, key: o.key, tag: o.tag, ...split, ...hooks });
      vpath = r.validationOutput;
      return r;
    });
    if (o.model) {
      const { fileChecks } = await import("./run.js");
      code = Math.max(code, await fileChecks([o.output, vpath], o.model, o.batchSize, new Reporter(o.maxFindings, o.quiet)));
    }
    setExit(code);
  });

}

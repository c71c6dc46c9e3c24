import { basename } from "node:path";
import { Option, type Command } from "commander";
import { finding, PrepError, type Finding, type Origin } from "../record.js";
import { sizeOf } from "../sources/open.js";
import { expandShards } from "../ops/shard-set.js";
import { common, operate, type OpsOpts } from "./operate.js";
import { fractionArg, intArg, validationPathFor } from "./options.js";
import { Reporter } from "./report.js";

const KEY_HELP = "compare records by this template instead of whole: {question} (the last user turn's last paragraph), {user}, {assistant}, {system}, {first_user}, or a top-level field such as {prompt}";

/** A --key template as a reader: each record's key text, or a no-key finding for a record that lacks a field it names. */
async function keyReader(template: string | undefined): Promise<((value: Record<string, unknown>, origin: Origin) => string | Finding) | undefined> {
  if (template === undefined) return undefined;
  const { recordKey } = await import("../ops/key.js");
  const key = recordKey(template);
  return (value, origin) => {
    const k = key(value);
    return "text" in k ? k.text : { ...finding("no-key", `the record has no "${k.missing}" for --key ${template}`, origin), raw: value };
  };
}

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

async function splitPlan(o: SplitOpts) {
  for (const [alias, name, a, b] of [["--validation", "--validation-output", o.validation, o.validationOutput], ["--test", "--test-output", o.test, o.testOutput]] as const) {
    if (a !== undefined && b !== undefined && a !== b) throw new PrepError(`${alias} is another name of ${name}: give one`, 2);
  }
  o.validation ??= o.validationOutput;
  o.test ??= o.testOutput;
  const vf = o.validationFraction ?? (o.validation ? 0.1 : undefined);
  const tf = o.testFraction ?? (o.test ? 0.1 : undefined);
  if (vf === undefined && tf === undefined) return undefined;
  if ((vf ?? 0) + (tf ?? 0) >= 1 || (vf ?? 0.5) <= 0 || (tf ?? 0.5) <= 0) throw new PrepError("the fractions must be above 0 and add up to less than 1", 2);
  const vpath = vf !== undefined ? (o.validation ?? validationPathFor(o.output)) : undefined;
  const tpath = tf !== undefined ? (o.test ?? validationPathFor(o.output, "test")) : undefined;
  const { splitCoin } = await import("../pipeline.js");
  const { Template } = await import("../transforms/template.js");
  const group = o.groupBy === undefined ? undefined : new Template(o.groupBy.includes("{") ? o.groupBy : `{${o.groupBy}}`);
  /**
   * Where the record with this index (among the records kept) goes; a finding when --group-by names a field the
   * record lacks (splitting it on its own would let its group straddle the splits).
   */
  const route = (value: Record<string, unknown>, index: number, origin: Origin): "train" | "validation" | "test" | Finding => {
    const g = group?.render(value);
    if (g && !("text" in g)) return { ...finding("no-group", `--group-by ${o.groupBy}: the record has no field ${JSON.stringify(g.missing)}`, origin), raw: value };
    const c = splitCoin(index, o.seed, g && "text" in g ? g.text : undefined);
    if (vf !== undefined && c < vf) return "validation";
    if (tf !== undefined && c >= (vf ?? 0) && c < (vf ?? 0) + tf) return "test";
    return "train";
  };
  return { vf, tf, vpath, tpath, route, extra: [{ option: "--validation-output", path: vpath }, { option: "--test-output", path: tpath }] };
}

export function addOpsCommands(program: Command, setExit: (code: number) => void): void {
  common(
    program
      .command("dedup <files...>")
      .description("remove duplicate records: exact (whitespace-normalised, as validate) and, with --near, near-duplicates by MinHash + LSH over word shingles; the first occurrence is kept")
      .option("--near [threshold]", "also remove near-duplicates at this estimated Jaccard similarity (default 0.8)")
      .option("--key <template>", KEY_HELP),
  ).action(async (files: string[], o: OpsOpts & { near?: string | boolean; key?: string }) => {
    const { readRecords, ExactDuplicates, NearDuplicates, recordText } = await import("../ops/ops.js");
    const threshold = o.near === undefined ? undefined : o.near === true ? 0.8 : Number(o.near);
    if (threshold !== undefined && !(threshold > 0 && threshold <= 1)) throw new PrepError("--near takes a similarity between 0 and 1", 2);
    const keyOf = await keyReader(o.key);
    setExit(
      await operate("dedup", files, o, [], async ({ main, others, counts, remove, reject }) => {
        const exact = new ExactDuplicates();
        // Keys are short (a question): their near-duplicates are compared by word pairs, whole records by 5-word shingles.
        const near = threshold !== undefined ? new NearDuplicates({ threshold, ...(o.key ? { shingle: 2 } : {}) }) : undefined;
        const rejects = others.get("--rejects");
        for await (const r of readRecords(files)) {
          if (r.type === "finding") {
            await reject(r);
            counts.read++;
            continue;
          }
          counts.read++;
          const at = `${r.source}:${r.line}`;
          const key = keyOf?.(r.value, { source: r.source, line: r.line });
          if (key && typeof key !== "string") {
            await reject(key);
            continue;
          }
          const first = exact.add(key ?? r.value, at);
          const reason = first !== undefined ? "duplicate" : undefined;
          let kept = first;
          let why = reason;
          if (!why && near) {
            const n = near.add(key ?? recordText(r.value), at);
            if (n !== undefined) {
              why = "near-duplicate";
              kept = n;
            }
          }
          if (why) {
            remove(why);
            await rejects?.write({ source: r.source, line: r.line, reason: why, kept, ...(key !== undefined ? { key } : {}), record: r.value });
            continue;
          }
          await main.write(r.value);
          counts.written++;
        }
      }),
    );
  });

  common(
    program
      .command("sample <files...>")
      .description("a uniform random sample of N records in one pass (reservoir sampling), the same for a seed, in file order")
      .requiredOption("-n, --count <n>", "records to keep", intArg("--count", 1))
      .option("--seed <n>", "random seed", intArg("--seed"), 0),
  ).action(async (files: string[], o: OpsOpts & { count: number; seed: number }) => {
    const { readRecords, sampleInOrder } = await import("../ops/ops.js");
    setExit(
      await operate("sample", files, o, [], async ({ main, counts, reject }) => {
        let kept = 0;
        let notSampled = 0;
        const done = (k: number, seen: number) => {
          kept = k;
          notSampled = seen - k;
          counts.read += seen;
        };
        for await (const r of sampleInOrder(readRecords(files), o.count, o.seed, (x) => x.type === "record", done)) {
          if (r.type === "finding") {
            counts.read++;
            await reject(r);
            continue;
          }
          await main.write(r.value);
        }
        counts.written = kept;
        if (notSampled) counts.removed["not-sampled"] = notSampled;
      }),
    );
  });

  common(
    program
      .command("shuffle <files...>")
      .description("shuffle records, deterministic for a seed, in bounded memory (external shuffle through temp buckets)")
      .option("--seed <n>", "random seed", intArg("--seed"), 0)
      .option("--bucket-mb <n>", "memory per bucket", intArg("--bucket-mb", 1), 64),
  ).action(async (files: string[], o: OpsOpts & { seed: number; bucketMb: number }) => {
    const [{ readRecords }, { externalShuffle }] = await Promise.all([import("../ops/ops.js"), import("../ops/shuffle.js")]);
    let total = 0;
    for (const f of files) total += (await sizeOf(f)) ?? 0;
    setExit(
      await operate("shuffle", files, o, [], async ({ main, counts, reject }) => {
        for await (const r of externalShuffle(readRecords(files), o.seed, o.bucketMb * 1024 * 1024, total)) {
          counts.read++;
          if (r.type === "finding") {
            await reject(r);
            continue;
          }
          await main.write(r.value);
          counts.written++;
        }
      }),
    );
  });

  common(
    splitFlags(
      program.command("split <file>").description("split a dataset into train (-o), validation and test files by the data commands' stable rule, optionally by group"),
    ),
    "train.jsonl",
  ).action(async (file: string, o: OpsOpts & SplitOpts) => {
    const plan = await splitPlan(o);
    if (!plan) throw new PrepError("split needs --validation-fraction and/or --test-fraction", 2);
    const { readRecords } = await import("../ops/ops.js");
    setExit(
      await operate("split", [file], o, plan.extra, async ({ main, others, rep, counts, reject }) => {
        const by = { validation: 0, test: 0 };
        for await (const r of readRecords([file])) {
          counts.read++;
          if (r.type === "finding") {
            await reject(r);
            continue;
          }
          const to = plan.route(r.value, r.index, { source: r.source, line: r.line });
          if (typeof to === "object") {
            await reject(to);
            continue;
          }
          if (to === "train") await main.write(r.value);
          else {
            await others.get(to === "validation" ? "--validation-output" : "--test-output")!.write(r.value);
            by[to]++;
          }
          counts.written++;
        }
        if (!o.quiet) rep.line(`split: ${counts.written - by.validation - by.test} train, ${by.validation} validation${plan.tpath ? `, ${by.test} test` : ""}`);
      }),
    );
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
    const keyOf = await keyReader(o.key);
    const plan = await splitPlan(o);
    if (o.model) {
      const { getProfile } = await import("../profiles/index.js");
      getProfile(o.model); // an unknown model is a usage error before any work
    }
    const files = await expandShards(files0, o.quiet);
    const { readRecords, ExactDuplicates, NearDuplicates, recordText, formatOf } = await import("../ops/ops.js");
    let code = await operate("merge", files, o, plan?.extra ?? [], async ({ main, others, rep, counts, remove, reject }) => {
        const exact = o.dedup ? new ExactDuplicates() : undefined;
        const near = o.dedup === "near" ? new NearDuplicates(o.key ? { shingle: 2 } : {}) : undefined;
        const meta = others.get("--metadata");
        const rejects = others.get("--rejects");
        const by = { validation: 0, test: 0 };
        let format: string | undefined;
        let formatFrom = "";
        for await (const r of readRecords(files)) {
          counts.read++;
          if (r.type === "finding") {
            await reject(r);
            continue;
          }
          const f = formatOf(r.value);
          if (format === undefined) {
            format = f;
            formatFrom = r.source;
          } else if (f !== format) {
            throw new PrepError(`${r.source}:${r.line}: a ${f ?? "unknown-format"} record, but ${formatFrom} holds ${format} records: merge takes one format`, 2);
          }
          const at = `${r.source}:${r.line}`;
          const key = keyOf?.(r.value, { source: r.source, line: r.line });
          if (key && typeof key !== "string") {
            await reject(key);
            continue;
          }
          const first = exact?.add(key ?? r.value, at);
          const close = first === undefined && near ? near.add(key ?? recordText(r.value), at) : undefined;
          if (first !== undefined || close !== undefined) {
            const reason = first !== undefined ? "duplicate" : "near-duplicate";
            remove(reason);
            await rejects?.write({ source: r.source, line: r.line, reason, kept: first ?? close, ...(key !== undefined ? { key } : {}), record: r.value });
            continue;
          }
          // The stable split over the merged records, as `split` would make it of the merged file.
          const to = plan ? plan.route(r.value, counts.written, { source: r.source, line: r.line }) : "train";
          if (typeof to === "object") {
            await reject(to);
            continue;
          }
          if (to === "train") await main.write(r.value);
          else {
            await others.get(to === "validation" ? "--validation-output" : "--test-output")!.write(r.value);
            by[to]++;
          }
          await meta?.write({ record: counts.written, source: r.source, line: r.line, ...(to !== "train" ? { split: to } : {}), ...(o.tag ? { tag: basename(r.source).replace(/\.jsonl$/, "") } : {}) });
          counts.written++;
        }
        if (plan && !o.quiet) rep.line(`merge: ${counts.written - by.validation - by.test} train, ${by.validation} validation${plan.tpath ? `, ${by.test} test` : ""}`);
      });
    if (o.model) {
      const { fileChecks } = await import("./run.js");
      code = Math.max(code, await fileChecks([o.output, plan?.vpath], o.model, o.batchSize, new Reporter(o.maxFindings, o.quiet)));
    }
    setExit(code);
  });
}

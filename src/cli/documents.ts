import { Option, type Command } from "commander";
import { tokenizerNames } from "../tokens/index.js";
import { intArg } from "./options.js";
import { checkDistinctOutputs, checkOutputTarget } from "../jsonl.js";
import { getProfile, taskFor, totalLimitAt, type Profile } from "../profiles/index.js";
import { PrepError } from "../record.js";
import { shareOf } from "../shard.js";
import { RecordChecker } from "../validate/checker.js";
import { checkShardSplit, shardOf, shardPath, splitOptions, type OutputOpts } from "./options.js";
import { report } from "./report.js";

/** What `pdf` and `text` share: documents in, chunks of them out. */
export interface DocumentOpts extends OutputOpts {
  format: "cpt" | "text";
  chunkSize?: number;
  chunkOverlap?: number;
  chunkUnit: "tokens" | "chars";
  maxTokens?: number;
  tokenizer?: string;
  metadata?: string;
}

/**
 * This task's files (its share of the sorted list when it is one of an array job, which also renames the output),
 * and every output checked before any work: the split's files, --metadata, --report.
 */
export function documentPlan(expanded: { paths: string[]; unmatched: string[] }, o: DocumentOpts) {
  const shard = shardOf(o);
  const paths = shard ? shareOf(expanded.paths, shard) : expanded.paths;
  if (shard) {
    o.output = shardPath(o.output, shard);
    if (o.metadata) o.metadata = shardPath(o.metadata, shard);
    if (o.rejects) o.rejects = shardPath(o.rejects, shard);
  }
  const split = splitOptions(o);
  checkShardSplit(shard, split);
  const others = [
    { option: "--validation-output", path: split.validationOutput },
    { option: "--test-output", path: split.testOutput },
    { option: "--metadata", path: o.metadata },
    { option: "--rejects", path: o.rejects },
    { option: "--report", path: o.report },
  ];
  checkDistinctOutputs([{ option: "-o", path: o.output }, ...others]);
  checkOutputTarget(o.output, { inputs: paths });
  for (const x of others) if (x.path !== undefined) checkOutputTarget(x.path, { inputs: paths, option: x.option });
  report.target = o.report;
  return { shard, paths, unmatched: expanded.unmatched, split };
}

/**
 * Chunk sizes for a run: the hard maximum (the model's per-record limit with --model, else 4,096), the target size
 * and overlap; usage errors first (no vocabulary is loaded), so a bad command line starts nothing.
 */
export async function chunkPlan(o: DocumentOpts, defaultTokens: number): Promise<{ profile?: Profile; maxTokens: number; size: number; overlap: number }> {
  const profile = o.model ? getProfile(o.model) : undefined;
  let maxTokens = o.maxTokens ?? 4096;
  if (profile) {
    const rules = await RecordChecker.create({ model: profile, batchSize: o.batchSize, tokenizer: o.tokenizer, vocabulary: false });
    const plan = rules.plan(o.format);
    if ("type" in plan) throw new PrepError(plan.message, 2);
    const limit = totalLimitAt(profile, taskFor(profile, o.format)!, rules.batchSize)?.tokens;
    if (limit && o.maxTokens === undefined) maxTokens = limit;
  }
  const size = o.chunkSize ?? (o.chunkUnit === "tokens" ? Math.min(defaultTokens, maxTokens) : 3000);
  const overlap = o.chunkOverlap ?? Math.floor(size / 10);
  if (overlap >= size) throw new PrepError("--chunk-overlap must be smaller than --chunk-size", 2);
  if (o.chunkUnit === "tokens" && size > maxTokens) throw new PrepError(`--chunk-size ${size} is over the hard maximum of ${maxTokens} tokens`, 2);
  return { profile, maxTokens, size, overlap };
}

/** The chunker's options, shared by pdf, text and the data commands' --chunk. */
export function addChunkOptions(cmd: Command, sizeHelp: string): Command {
  return cmd
    .option("--chunk-size <n>", sizeHelp, intArg("--chunk-size", 1))
    .option("--chunk-overlap <n>", "overlap between consecutive chunks (default 10 % of the chunk size)", intArg("--chunk-overlap"))
    .addOption(new Option("--chunk-unit <unit>", "unit of --chunk-size and --chunk-overlap").choices(["tokens", "chars"]).default("tokens"))
    .option("--max-tokens <n>", "hard maximum per record; longer chunks are split again, never truncated (default: the model's limit with --model, else 4096)", intArg("--max-tokens", 16))
    .addOption(new Option("--tokenizer <name>", "token counter for sizes (default: the model's, else cl100k)").choices(tokenizerNames));
}

import { InvalidArgumentError, Option, type Command } from "commander";
import { formatNames } from "../formats/index.js";
import { DURATION_HELP, parseDuration } from "../duration.js";
import { validationPathFor } from "../outputs/paths.js";
export { validationPathFor };
import { PrepError } from "../record.js";
import type { DraftTemplates } from "../transforms/draft.js";
import { Template } from "../transforms/template.js";
import { describeOrigin, finding, type Finding, type Origin, type Row } from "../record.js";

export function intArg(name: string, min = 0) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    return Number(v);
  };
}

/** A duration in seconds: `30`, `0.5`, `30s`, `5m`, `1h`; anything else is a usage error (NaN polled ~150 times a second). */
export function durationArg(v: string): number {
  const n = parseDuration(v);
  if (n === undefined) throw new InvalidArgumentError(/^\s*0+(\.0*)?(ms|s|m|h)?\s*$/.test(v) ? "must be more than 0" : DURATION_HELP);
  return n;
}

export function fractionArg(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError("must be a number between 0 and 1 (exclusive)");
  return n;
}

export interface OutputOpts {
  output: string;
  model?: string;
  batchSize?: number;
  limit?: number;
  maxFindings: number;
  quiet?: boolean;
  validationFraction?: number;
  validationOutput?: string;
  seed: number;
  report?: string;
  rejects?: string;
  limitPolicy?: "error" | "truncate" | "split";
  testFraction?: number;
  testOutput?: string;
  groupBy?: string;
  dedup?: string;
  shard?: string;
  shards?: number;
  sample?: number;
  shuffle?: boolean;
  redact?: string;
  quality?: boolean;
  repetition?: boolean;
  minWords?: number;
  maxSymbolRatio?: number;
  maxBulletLines?: number;
  maxEllipsisLines?: number;
  lang?: string;
}

/** A ratio in [0, 1]. */
function ratioArg(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError("must be a number from 0 to 1");
  return n;
}

/**
 * Row selection and the opt-in text steps, as prepare takes them: -n, --sample, --shuffle, --seed, and --redact,
 * the quality rules and --lang (checked against the format: quality rules are for cpt and text records).
 */
export async function selectionOf(o: OutputOpts, format: string): Promise<{ limit?: number; sample?: number; shuffle?: boolean; seed: number; refine?: import("../quality/index.js").RefineOptions }> {
  const base = { limit: o.limit, sample: o.sample, shuffle: o.shuffle, seed: o.seed };
  const wantsQuality = o.quality || o.repetition || o.minWords !== undefined || o.maxSymbolRatio !== undefined || o.maxBulletLines !== undefined || o.maxEllipsisLines !== undefined;
  if (!wantsQuality && !o.redact && !o.lang) return base;
  const q = await import("../quality/index.js");
  if (wantsQuality && format !== "cpt" && format !== "text") throw new PrepError(`--quality, --repetition and the single quality rules are for --format cpt or text, not ${format}`, 2);
  let redact: import("../quality/index.js").RedactKind[] | undefined;
  let languages: string[] | undefined;
  try {
    redact = o.redact ? q.parseRedactKinds(o.redact) : undefined;
    languages = o.lang ? q.languageCodes(o.lang) : undefined;
  } catch (e) {
    throw new PrepError((e as Error).message, 2);
  }
  return { ...base, refine: { redact, languages, quality: q.qualityRules(o) } };
}

export interface TemplateOpts {
  format: string;
  /** With --format text: the prompt/completion conversation rendered with this chat template. */
  chatTemplate?: string;
  prompt?: string;
  completion?: string;
  user?: string;
  assistant?: string;
  system?: string;
  text?: string;
  category?: string;
  reference?: string;
  referenceJson?: boolean;
  id?: string;
  reasoning?: string;
  image?: string[];
  video?: string;
  document?: string;
  mediaPrefix?: string;
}

export const REPORT_HELP = "write the closing summary as one JSON object to FILE (- = stdout, when records are not on stdout)";

/** -o, -n, the validation split and --report: every command that writes records has these. */
export function addWriteOptions(cmd: Command, defaultOutput = "-", what = "rows"): Command {
  return cmd
    .option("-o, --output <file>", "output JSONL file, or - for stdout (written to a temp file and renamed on success)", defaultOutput)
    .option("-n, --limit <n>", `read only the first N ${what}, in order`, intArg("--limit", 1))
    .option("--sample <n>", `a uniform random sample of N ${what} (one pass, the same for a --seed), in input order`, intArg("--sample", 1))
    .option("--shuffle", `write the ${what} in a random order (the same for a --seed; larger than memory spills to temp files)`)
    .option("--redact <kinds>", "replace PII with a placeholder per kind, counted: email, phone, ip, credit-card (Luhn-checked), aws-key, or all")
    .option("--quality", "cpt/text: remove records that fail Gopher's quality rules (datatrove's defaults: 50–100,000 words, mean word length 3–10, # and ellipses ≤ 0.1 per word, bullet lines ≤ 90 %, ellipsis lines ≤ 30 %, ≥ 80 % of tokens with a letter, ≥ 2 English stop words)")
    .option("--repetition", "cpt/text: remove records that fail Gopher's repetition rules (repeated lines and paragraphs, top 2–4-grams, repeated 5–10-grams)")
    .option("--min-words <n>", "cpt/text: remove records of fewer words (with --quality: instead of 50)", intArg("--min-words", 1))
    .option("--max-symbol-ratio <r>", "cpt/text: remove records with more '#' or ellipses per word", ratioArg)
    .option("--max-bullet-lines <f>", "cpt/text: remove records with a larger fraction of lines starting with a bullet", ratioArg)
    .option("--max-ellipsis-lines <f>", "cpt/text: remove records with a larger fraction of lines ending in an ellipsis", ratioArg)
    .option("--lang <codes>", "keep only records in these languages (ISO 639-1 or 639-3, e.g. en,de; detected with franc-min); others are removed, counted")
    .option("--validation-fraction <f>", "send this fraction of records to --validation-output (stable by record index and --seed)", fractionArg)
    .option("--validation-output <file>", "file for the validation records (default: the output's name with train → validation)")
    .option("--test-fraction <f>", "send this fraction of records to --test-output (train / validation / test by the same stable rule)", fractionArg)
    .option("--test-output <file>", "file for the test records (default: the output's name with train → test)")
    .option("--group-by <template>", "split by group, not by record: one {column} value (a document, a dialogue; {_source} for the file) never lands in two splits")
    .option("--dedup <kind>", "drop duplicate records as they are written: exact (whitespace-normalised) or near (MinHash, similarity 0.8); counted, the first kept")
    .option("--seed <n>", "seed for --sample, --shuffle, --validation-fraction and --test-fraction", intArg("--seed"), 0)
    .option("--report <file>", REPORT_HELP)
    .addOption(new Option("--limit-policy <policy>", "a format with a record bound (evaluation ≤ 1,000, distillation ≤ 15,000 prompts): error (default: refuse, nothing written), truncate (the first ones; the rest refused as over-limit) or split (NAME-part-0000K.jsonl files within the bound)").choices(["error", "truncate", "split"]))
    .option("--rejects <file>", "every refused row, page or record as JSONL: origin (file, line/row/page), reason, message and the row itself; written also when the run fails")
    .option("--shard <i/n>", "run as task I of N (0-based) of an array job: this task's share of the input, written to NAME-0000I-of-0000N.jsonl with a manifest (default: from JOB_COMPLETION_INDEX with --shards, AWS_BATCH_JOB_ARRAY_INDEX/SIZE, SLURM_ARRAY_TASK_ID/MIN/COUNT)")
    .option("--shards <n>", "with Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX): the number of tasks", intArg("--shards", 1));
}

/** This task's shard: from --shard I/N, else from the array-job engine's environment; undefined for a plain run. */
export function shardOf(o: { shard?: string; shards?: number }, env: NodeJS.ProcessEnv = process.env): { index: number; count: number; from: string } | undefined {
  // A variable that is set must be a whole number: `AWS_BATCH_JOB_ARRAY_INDEX=abc` ran the whole input unsharded.
  const num = (v: string | undefined, name?: string) => {
    if (v === undefined || v === "") return undefined;
    if (!/^\d{1,9}$/.test(v)) throw new PrepError(`${name ?? "a shard variable"}=${v}: expected a whole number`, 2);
    return Number(v);
  };
  const engines = (["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "SLURM_ARRAY_TASK_ID"] as const).filter((k) => env[k] !== undefined && env[k] !== "");
  if (o.shard === undefined) for (const k of ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_STEP"]) num(env[k], k);
  if (o.shard === undefined && engines.length > 1) throw new PrepError(`${engines.join(" and ")} are all set: the task's index is ambiguous; give --shard I/N, or unset the other engine's variables`, 2);
  let s: { index: number; count: number; from: string } | undefined;
  if (o.shard !== undefined) {
    const m = /^(\d{1,6})\/(\d{1,6})$/.exec(o.shard);
    if (!m) throw new PrepError(`--shard ${o.shard}: expected I/N, e.g. 3/16 (0-based; N at most 999999)`, 2);
    s = { index: Number(m[1]), count: Number(m[2]), from: "--shard" };
  } else if (num(env.JOB_COMPLETION_INDEX) !== undefined) {
    if (o.shards === undefined) throw new PrepError("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job): give --shards N, the job's completions", 2);
    s = { index: num(env.JOB_COMPLETION_INDEX)!, count: o.shards, from: "JOB_COMPLETION_INDEX" };
  } else if (num(env.AWS_BATCH_JOB_ARRAY_INDEX) !== undefined) {
    const size = num(env.AWS_BATCH_JOB_ARRAY_SIZE) ?? o.shards;
    if (size === undefined) throw new PrepError("AWS_BATCH_JOB_ARRAY_INDEX is set without AWS_BATCH_JOB_ARRAY_SIZE: give --shards N", 2);
    s = { index: num(env.AWS_BATCH_JOB_ARRAY_INDEX)!, count: size, from: "AWS_BATCH_JOB_ARRAY_INDEX" };
  } else if (num(env.SLURM_ARRAY_TASK_ID) !== undefined) {
    const min = num(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    const count = num(env.SLURM_ARRAY_TASK_COUNT) ?? o.shards;
    if (count === undefined) throw new PrepError("SLURM_ARRAY_TASK_ID is set without SLURM_ARRAY_TASK_COUNT: give --shards N", 2);
    // --array=1-31:2 numbers tasks 1, 3, 5, …: the rank is (ID − MIN) / STEP.
    const step = num(env.SLURM_ARRAY_TASK_STEP) ?? 1;
    const index = (num(env.SLURM_ARRAY_TASK_ID)! - min) / (step || 1);
    if (!Number.isInteger(index)) throw new PrepError(`SLURM_ARRAY_TASK_ID ${env.SLURM_ARRAY_TASK_ID} is not MIN ${min} plus a multiple of STEP ${step}`, 2);
    s = { index, count, from: "SLURM_ARRAY_TASK_ID" };
  }
  if (s && s.count > 999_999) throw new PrepError(`shard count ${s.count} (${s.from}): at most 999999 tasks`, 2);
  if (s && (s.count < 1 || s.index < 0 || s.index >= s.count)) throw new PrepError(`shard ${s.index} of ${s.count} (${s.from}): the index must be 0 to ${s.count - 1}`, 2);
  return s;
}

/**
 * A sharded run splits by group only: the stable rule without a group is a coin of the row's index in the run, which
 * no task knows for the whole input. Without --group-by, the split belongs to the merge of the shards.
 */
export function checkShardSplit(shard: { index: number; count: number } | undefined, split: { validationFraction?: number; testFraction?: number; groupOf?: unknown }, grouped = false): void {
  if (!shard || (split.validationFraction === undefined && split.testFraction === undefined) || split.groupOf || grouped) return;
  throw new PrepError("a sharded run cannot split by row index (no task knows the whole input's rows): give --group-by '{column}', or split when merging: prep-data merge 'NAME-*-of-NNNNN.jsonl' -o train.jsonl --validation-fraction F [--test-fraction F]", 2);
}

/** `train.jsonl` → `train-00003-of-00016.jsonl` for shard 3 of 16. */
export function shardPath(output: string, shard: { index: number; count: number }): string {
  if (output === "-") throw new PrepError("a sharded run writes NAME-0000I-of-0000N.jsonl: give -o NAME.jsonl", 2);
  // Five digits, or as many as N has (up to six): every task's name sorts and matches merge's pattern.
  const w = Math.max(5, String(shard.count).length);
  const tag = `-${String(shard.index).padStart(w, "0")}-of-${String(shard.count).padStart(w, "0")}`;
  return output.endsWith(".jsonl") ? output.slice(0, -6) + tag + ".jsonl" : output + tag;
}

export function addOutputOptions(cmd: Command, defaultOutput = "-"): Command {
  return addWriteOptions(cmd, defaultOutput)
    .option("-m, --model <id>", "check every record against this model's rules (as `validate` does) and reject those that break them")
    .option("--batch-size <n>", "with --model: the job's batch size (token limits depend on it)", intArg("--batch-size", 1))
    .option("--max-findings <n>", "print at most N findings (all are counted)", intArg("--max-findings"), 20)
    .option("-q, --quiet", "no notes or closing summary on stderr");
}

export function addTemplateOptions(cmd: Command, defaultFormat = "instruction"): Command {
  return cmd
    .addOption(new Option("-f, --format <name>", "record format").choices(formatNames).default(defaultFormat))
    .option("--prompt <template>", "prompt template, with {column} placeholders ({{ and }} for literal braces; \\n newline, \\t tab, \\\\ backslash)")
    .option("--completion <template>", "completion template")
    .option("--user <template>", "user turn template (same as --prompt)")
    .option("--assistant <template>", "assistant turn template (same as --completion)")
    .option("--system <template>", "system prompt template (messages, conversation)")
    .option("--text <template>", "text template for cpt and text formats")
    .option("--chat-template <name|file>", "with --format text: the --prompt/--completion (and --system) conversation rendered with this chat template (llama3, llama2, or a model's tokenizer_config.json / .jinja), for trainers that take raw text")
    .option("--category <template>", "evaluation prompts' category template, e.g. '{topic}' (results are reported per category)")
    .option("--reference <template>", "rft: the reference answer the grader reads, e.g. '{answer}' (default: the --completion template)")
    .option("--reference-json", "rft: the rendered --reference is JSON (an object, list or number), parsed; a row whose JSON does not parse is refused")
    .option("--id <template>", "rft: each record's id, e.g. '{task_id}'")
    .option("--reasoning <template>", "conversation (Nova 2 Lite): the assistant's reasoning, written as a reasoningContent block before its answer")
    .option("--image <template>", "conversation: an image of the user turn: an s3:// URI or a local path, e.g. '{image}' (repeat for several; an empty cell: none)", (v: string, all: string[] = []) => [...all, v])
    .option("--video <template>", "conversation: a video of the user turn (s3:// URI or local path; one per record)")
    .option("--document <template>", "conversation (Nova 2 Lite): a PDF document of the user turn (s3:// URI or local path; one per record)")
    .option("--media-prefix <s3uri>", "upload local --image/--video/--document files under this prefix (content-addressed keys; an identical object already there is verified and kept)");
}

/** Check that the templates given fit the format, then hand them over as draft templates. */
/** Command-line escapes in templates: `\n` newline, `\t` tab, `\\` a backslash; any other backslash is kept. */
export function unescapeOption(v: string | undefined): string | undefined {
  return v === undefined ? undefined : v.replace(/\\([nt\\])/g, (_m, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : "\\"));
}

export function templatesFor(raw: TemplateOpts): DraftTemplates {
  const category = unescapeOption(raw.category);
  if (category !== undefined && raw.format !== "evaluation") throw new PrepError(`--category is for --format evaluation (a ${raw.format} record has no category)`, 2);
  const reference = unescapeOption(raw.reference);
  const id = unescapeOption(raw.id);
  for (const [opt, v] of [["--reference", reference], ["--reference-json", raw.referenceJson || undefined], ["--id", id]] as const) {
    if (v !== undefined && raw.format !== "rft") throw new PrepError(`${opt} is for --format rft (a ${raw.format} record has no reference answer)`, 2);
  }
  if (raw.referenceJson && reference === undefined) throw new PrepError("--reference-json needs --reference '{column}'", 2);
  if (raw.format === "rft") {
    const o = { ...raw, prompt: unescapeOption(raw.prompt ?? raw.user), completion: unescapeOption(raw.completion ?? raw.assistant), system: unescapeOption(raw.system) };
    if (o.prompt === undefined) throw new PrepError("--format rft needs --prompt (or --user) and --reference (or --completion) templates, e.g. --prompt '{question}' --reference '{answer}'", 2);
    if (reference === undefined && o.completion === undefined) throw new PrepError("--format rft needs a reference answer: --reference '{answer}' (add --reference-json when the column holds JSON)", 2);
    if (reference !== undefined && o.completion !== undefined) throw new PrepError("give --reference or --completion for an rft record's reference answer, not both", 2);
    if (raw.text !== undefined) throw new PrepError("--text is for --format cpt or text", 2);
    return { user: o.prompt, ...(o.system !== undefined ? { system: o.system } : {}), ...(o.completion !== undefined ? { assistant: o.completion } : {}), ...(reference !== undefined ? { reference, referenceJson: !!raw.referenceJson } : {}), ...(id !== undefined ? { id } : {}) };
  }
  const t = chatTemplates(raw);
  const media = { reasoning: unescapeOption(raw.reasoning), images: raw.image?.map((x) => unescapeOption(x)!), video: unescapeOption(raw.video), document: unescapeOption(raw.document) };
  const givenMedia = (Object.entries({ "--reasoning": media.reasoning, "--image": media.images, "--video": media.video, "--document": media.document }) as [string, unknown][]).filter(([, v]) => v !== undefined);
  if (givenMedia.length && raw.format !== "conversation") throw new PrepError(`${givenMedia[0]![0]} is for --format conversation (Nova records with reasoning and media blocks), not ${raw.format}`, 2);
  if (raw.mediaPrefix !== undefined && !givenMedia.some(([k]) => k !== "--reasoning")) throw new PrepError("--media-prefix uploads the files of --image, --video or --document: give one of them", 2);
  const out: DraftTemplates = { ...t, ...(category !== undefined ? { category } : {}) };
  if (media.reasoning !== undefined) out.reasoning = media.reasoning;
  if (media.images?.length) out.images = media.images;
  if (media.video !== undefined) out.video = media.video;
  if (media.document !== undefined) out.document = media.document;
  return out;
}

function chatTemplates(raw: TemplateOpts): DraftTemplates {
  const o0: TemplateOpts = { ...raw, prompt: unescapeOption(raw.prompt), completion: unescapeOption(raw.completion), user: unescapeOption(raw.user), assistant: unescapeOption(raw.assistant), system: unescapeOption(raw.system), text: unescapeOption(raw.text) };
  if (o0.prompt !== undefined && o0.user !== undefined) throw new PrepError("give --prompt or --user, not both", 2);
  if (o0.completion !== undefined && o0.assistant !== undefined) throw new PrepError("give --completion or --assistant, not both", 2);
  const o = { ...o0, prompt: o0.prompt ?? o0.user, completion: o0.completion ?? o0.assistant };
  const plain = o.format === "cpt" || o.format === "text";
  if (o.chatTemplate !== undefined) {
    if (o.format !== "text") throw new PrepError("--chat-template writes each conversation rendered as text: use it with --format text", 2);
    if (o.text !== undefined) throw new PrepError("--format text takes --text, or --prompt/--completion (and --system) with --chat-template: not both", 2);
    if (o.prompt === undefined || o.completion === undefined) throw new PrepError("--chat-template renders a conversation: give --prompt (or --user) and --completion (or --assistant)", 2);
    return { user: o.prompt, assistant: o.completion, ...(o.system !== undefined ? { system: o.system } : {}) };
  }
  if (plain) {
    if (o.text === undefined) throw new PrepError(`--format ${o.format} needs --text '{column}'`, 2);
    if (o.prompt !== undefined || o.completion !== undefined || o.system !== undefined) {
      throw new PrepError(`--format ${o.format} takes only --text, not --prompt/--completion/--system`, 2);
    }
    return { text: o.text };
  }
  if ((o.format === "distillation" || o.format === "evaluation") && o.prompt !== undefined && o.completion === undefined) {
    if (o.text !== undefined) throw new PrepError("--text is for --format cpt or text", 2);
    return { user: o.prompt, ...(o.system !== undefined ? { system: o.system } : {}) }; // a prompt without a golden response
  }
  if (o.prompt === undefined || o.completion === undefined) {
    throw new PrepError(`--format ${o.format} needs --prompt (or --user) and --completion (or --assistant) templates, e.g. --prompt '{question}' --completion '{answer}'`, 2);
  }
  if (o.text !== undefined) throw new PrepError(`--text is for --format cpt or text, not ${o.format}`, 2);
  if (o.system !== undefined && o.format === "instruction") {
    throw new PrepError("--system needs --format messages or conversation (instruction records have no system prompt)", 2);
  }
  return { user: o.prompt, assistant: o.completion, ...(o.system !== undefined ? { system: o.system } : {}) };
}


/** The split settings every writing command passes to `prepare`: fractions, outputs, the group of a row. */
export function splitOptions(o: OutputOpts): { validationFraction?: number; validationOutput?: string; testFraction?: number; testOutput?: string; groupOf?: (row: Row) => string } {
  if ((o.validationFraction ?? 0) + (o.testFraction ?? 0) >= 1) throw new PrepError("--validation-fraction and --test-fraction must add up to less than 1", 2);
  if (o.groupBy !== undefined && o.validationFraction === undefined && o.testFraction === undefined) throw new PrepError("--group-by needs --validation-fraction or --test-fraction", 2);
  const tpl = o.groupBy !== undefined ? new Template(unescapeOption(o.groupBy)!) : undefined;
  return {
    validationFraction: o.validationFraction,
    validationOutput: o.validationFraction !== undefined ? (o.validationOutput ?? validationPathFor(o.output)) : undefined,
    testFraction: o.testFraction,
    testOutput: o.testFraction !== undefined ? (o.testOutput ?? validationPathFor(o.output, "test")) : undefined,
    ...(tpl
      ? {
          groupOf: (row: Row) => {
            const r = tpl.render({ ...row.values, _source: row.origin.source });
            // A row without the group's value is a group of its own.
            return "text" in r ? r.text : `\u0000${row.origin.source}#${row.origin.row ?? row.origin.line ?? ""}`;
          },
        }
      : {}),
  };
}

/**
 * A record check that rejects duplicates of records already written in this run (`--dedup exact|near`), combined with
 * any other check (the model's rules).
 */
export async function withDedup(kind: string | undefined, check?: (record: unknown, origin: Origin) => Finding[]): Promise<((record: unknown, origin: Origin) => Finding[]) | undefined> {
  if (kind === undefined) return check;
  if (kind !== "exact" && kind !== "near") throw new PrepError("--dedup takes exact or near", 2);
  const { ExactDuplicates, NearDuplicates, recordText } = await import("../ops/ops.js");
  const exact = new ExactDuplicates();
  const near = kind === "near" ? new NearDuplicates() : undefined;
  return (record, origin) => {
    const own = check?.(record, origin) ?? [];
    if (own.some((f) => f.severity === "error")) return own;
    const at = describeOrigin(origin);
    const first = exact.add(record, at);
    if (first !== undefined) return [...own, finding("duplicate", `same record as ${first} (after whitespace normalisation)`, origin)];
    const n = near?.add(recordText(record as Record<string, unknown>), at);
    if (n !== undefined) return [...own, finding("near-duplicate", `nearly the same record as ${n}`, origin)];
    return own;
  };
}

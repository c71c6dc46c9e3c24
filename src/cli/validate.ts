import { statSync } from "node:fs";
import { basename } from "node:path";
import { Option, type Command } from "commander";
import { formatNames, type FormatName } from "../formats/index.js";
import { builtInTemplates } from "../templates/names.js";
import { getProfile, isRetired, lifecycleNotice, profiles, SOURCES, targets, type Fact, type Profile } from "../profiles/index.js";
import { describeOrigin, PrepError } from "../record.js";
import { tokenizerNames } from "../tokens/index.js";
import { renderHistogram, type TokenStats } from "../validate/stats.js";
import type { ValidationReport } from "../validate/validate.js";
import { checkDistinctOutputs, checkOutputTarget } from "../jsonl.js";
import type { Summary } from "../pipeline.js";
import { intArg, REPORT_HELP } from "./options.js";
import { Progress } from "./progress.js";
import { report } from "./report.js";

/** --report's target: not stdout when stdout has JSON already, not another output of the run, a writable place. */
function checkReportTarget(target: string | undefined, stdoutTaken: string | undefined, others: { option: string; path: string | undefined }[]): void {
  if (target === undefined) return;
  if (target === "-" && stdoutTaken) throw new PrepError(`--report - and ${stdoutTaken} both write to stdout; give --report a file`, 2);
  checkDistinctOutputs([{ option: "--report", path: target }, ...others]);
  checkOutputTarget(target, { option: "--report" });
}

/** A validation as the counts of a run: lines read, errors and warnings by reason. */
function validationSummary(r: ValidationReport): Summary {
  const rejected: Record<string, number> = {};
  const warnings: Record<string, number> = {};
  for (const [k, c] of Object.entries(r.counts)) {
    if (c.errors) rejected[k] = c.errors;
    if (c.warnings) warnings[k] = c.warnings;
  }
  return { read: r.files.reduce((a, f) => a + f.lines, 0), written: 0, rejected, warnings, output: "", elapsedMs: 0 };
}

const n = (x: number) => Math.round(x).toLocaleString("en-US");

function printStats(label: string, s: TokenStats | undefined, exact: boolean, out: NodeJS.WriteStream): void {
  if (!s) return;
  out.write(`\n${label}: ${n(s.records)} records, tokens ${exact ? "" : "(estimated) "}total ${n(s.total)}, min ${n(s.min)}, mean ${s.mean.toFixed(1)}, p50 ${n(s.p50)}, p90 ${n(s.p90)}, p99 ${n(s.p99)}, max ${n(s.max)}\n`);
  out.write(renderHistogram(s) + "\n");
}

function printReport(r: ValidationReport, shown: number, out: NodeJS.WriteStream): void {
  for (const f of r.files) {
    out.write(`${f.path}: ${f.format ?? "unknown format"}, ${n(f.records)} records (${n(f.valid)} valid) in ${n(f.lines)} lines, ${(f.bytes / 1024 ** 2).toFixed(2)} MiB\n`);
  }
  if (r.model) out.write(`${getProfile(r.model.id, { listing: true }).target ? "target" : "model"}: ${r.model.id} (${r.model.name})${r.model.task ? `, ${r.model.task}` : ""}, batch size ${r.batchSize}, tokens ${r.tokenizer.exact ? `exact (${r.tokenizer.name})` : r.tokenizer.description}\n`);
  if (r.findings.length) {
    out.write("\n");
    for (const f of r.findings.slice(0, shown)) out.write(`${f.severity}: ${describeOrigin(f.origin)}: ${f.reason}: ${f.message}\n`);
    const rest = r.errors + r.warnings - Math.min(shown, r.findings.length);
    if (rest > 0) out.write(`… ${n(rest)} more (--max-findings, --json or --rejects for all)\n`);
  }
  const cats = Object.entries(r.counts).sort((a, b) => b[1].errors - a[1].errors || b[1].warnings - a[1].warnings);
  if (cats.length) {
    out.write("\nby category:\n");
    for (const [k, v] of cats) out.write(`  ${k.padEnd(16)} ${v.errors ? `${n(v.errors)} error${v.errors === 1 ? "" : "s"}` : ""}${v.errors && v.warnings ? ", " : ""}${v.warnings ? `${n(v.warnings)} warning${v.warnings === 1 ? "" : "s"}` : ""}\n`);
  }
  for (const f of r.files) printStats(f.path, f.stats, r.tokenizer.exact, out);
  if (r.trainingTokens) out.write(`\ntraining tokens: ${n(r.trainingTokens.perEpoch)} per epoch × ${r.trainingTokens.epochs} epochs = ${n(r.trainingTokens.total)}${r.trainingTokens.exact ? "" : " (estimated)"}\n`);
  out.write(r.ok ? `\nOK: no errors${r.warnings ? ` (${n(r.warnings)} warning${r.warnings === 1 ? "" : "s"})` : ""}\n` : `\nFAILED: ${n(r.errors)} error${r.errors === 1 ? "" : "s"}, ${n(r.warnings)} warning${r.warnings === 1 ? "" : "s"}\n`);
}

function fact<T>(f: Fact<T> | undefined, show: (v: T) => string): string {
  if (!f) return "—";
  return `${show(f.value)} [${f.source}${f.confirmed ? "" : ", unconfirmed"}]`;
}

function describeProfile(p: Profile): string {
  const lines = [`${p.id}  (${p.name})`, ...(p.aliases.length ? [`  aliases: ${p.aliases.join(", ")}`] : []), p.target ? `  target: --target ${p.target} (files checked here; trained with that service's or trainer's own tools)` : `  job identifier (baseModelIdentifier): ${fact(p.baseModelId, (v) => v)}`];
  if (p.regions) lines.push(`  Regions: ${fact(p.regions, (v) => v.join(", "))}`);
  lines.push(`  status: ${lifecycleNotice(p) ?? `active (${p.lifecycle.note}) [${p.lifecycle.source}]`}`);
  lines.push(`  tokens counted: ${p.tokenizer === "estimate" ? "estimated (no public tokenizer)" : `exact (${p.tokenizer})`}`);
  for (const [task, r] of Object.entries(p.tasks)) {
    lines.push(`  ${task}: formats ${fact(r!.formats, (v) => v.join(", "))}`);
    if (r!.tokens.input) lines.push(`    input tokens ≤ ${fact(r!.tokens.input, n)}`);
    if (r!.tokens.output) lines.push(`    output tokens ≤ ${fact(r!.tokens.output, n)}`);
    if (r!.tokens.total) lines.push(`    total tokens: ${fact(r!.tokens.total, (v) => v.map((x) => `≤ ${n(x.tokens)} at batch ${x.batch[0]}${x.batch[1] === Infinity ? "+" : x.batch[1] !== x.batch[0] ? `-${x.batch[1]}` : ""}`).join("; "))}`);
    for (const k of ["train", "validation"] as const) {
      const b = r![k];
      if (b?.min || b?.max) lines.push(`    ${k} records: ${b.min ? `≥ ${fact(b.min, n)} ` : ""}${b.max ? `≤ ${fact(b.max, n)}` : ""}`);
    }
    if (r!.combinedMin || r!.combinedMax) lines.push(`    train + validation records: ${r!.combinedMin ? `≥ ${fact(r!.combinedMin, n)} ` : ""}${r!.combinedMax ? `≤ ${fact(r!.combinedMax, n)}` : ""}`);
    if (r!.trainFileBytes) lines.push(`    training file ≤ ${fact(r!.trainFileBytes, (v) => `${v / 1024 ** 2} MiB`)}`);
    if (r!.validationFileBytes) lines.push(`    validation file ≤ ${fact(r!.validationFileBytes, (v) => `${v / 1024 ** 2} MiB`)}`);
    if (r!.noValidationSet) lines.push(`    validation set: none (${fact(r!.noValidationSet, (v) => v)})`);
  }
  const c = p.conversation;
  if (c) {
    const media = c.media?.value === false ? "text only" : `images${c.imageFormats ? ` (${c.imageFormats.value.join(", ")})` : ""}${c.maxImages ? ` ≤ ${c.maxImages.value} per record` : ""}, videos${c.videoFormats ? ` (${c.videoFormats.value.join(", ")})` : ""} 1 per record${c.documents?.value ? ", one PDF document per record" : ""}`;
    lines.push(`  conversation records: ${media}${c.homogeneousMedia?.value ? `; one kind of media across the dataset [${c.homogeneousMedia.source}]` : ""}`);
    if (c.reasoning?.value) lines.push(`    assistant reasoningContent (text) [${c.reasoning.source}]`);
    if (c.toolsWarning) lines.push(`    tools: warned — ${fact(c.toolsWarning, (v) => v)}`);
  }
  if (p.tasks["reinforcement-fine-tuning"]) lines.push(`  RFT hyperparameters: see \`prep-data job create --type rft --help\` (API_RFTHyperParameters: epochCount 1–50, batchSize 16–512, learningRate 1e-7–1e-3, evalInterval 1–100, reasoningEffort low/medium/high)`);
  if (p.reserved) lines.push(`  reserved strings: ${fact(p.reserved, (v) => v.map((s) => JSON.stringify(s)).join(" "))}`);
  const oc = p.openaiChat;
  if (oc) lines.push(`  openai-chat records: roles ${fact(oc.roles, (v) => v.join(", "))}; tools ${oc.tools ? fact(oc.tools, (v) => (v ? "taken" : "refused")) : "refused"}; weight ${oc.weight ? fact(oc.weight, (v) => (v ? "taken" : "warned")) : "warned"}${oc.alternate ? `; user and assistant alternate ${fact(oc.alternate, () => "from the user's")}` : ""}`);
  // A target's hyperparameters are its own service's or trainer's business: only Bedrock models list them.
  if (!p.target) {
    lines.push(`  hyperparameters [${p.hyperparameters.source}${p.hyperparameters.confirmed ? "" : ", not published for this model: the family's ranges"}]:`);
    for (const [k, r] of Object.entries(p.hyperparameters.value)) lines.push(`    ${k} (${r.type}): ${r.min}–${r.max}${r.default !== undefined ? `, default ${r.default}` : ""}`);
    if (p.notCustomizable) lines.push(`  NOT CUSTOMIZABLE: ${p.notCustomizable}`);
  }
  const used = new Set<string>();
  JSON.stringify(p, (k, v) => (k === "source" ? (used.add(v), v) : v));
  lines.push("  sources:");
  for (const s of [...used].sort()) lines.push(`    ${s}: ${SOURCES[s as keyof typeof SOURCES]}`);
  return lines.join("\n");
}

export function addValidateCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command("validate <file>")
    .description("check a JSONL dataset before upload: schema, role order, reserved strings, per-record token limits, record counts, file size, duplicates")
    .option("-m, --model <id>", "model ID or alias (see `prep-data models`); without it, only the format's rules")
    .option("--validation <file>", "the validation file: checked too, with train/validation overlap")
    .addOption(new Option("-f, --format <name>", "record format (default: detected from the first record)").choices(formatNames))
    .option("--batch-size <n>", "batch size of the job (token limits depend on it; default: the model's default)", intArg("--batch-size", 1))
    .addOption(new Option("--tokenizer <name>", "token counter (default: the model's)").choices(tokenizerNames))
    .option("--stats", "count tokens of every record: statistics, histogram, training tokens")
    .option("--chat-template <name|file>", `count each record as the trainer sees it, rendered with this chat template (built in: ${builtInTemplates.join(", ")}; or a model's tokenizer_config.json / .jinja), special tokens once each`)
    .option("--epochs <n>", "epochs for the training-token estimate (default: the model's default)", intArg("--epochs", 1))
    .option("--json", "print the full report as JSON on stdout")
    .option("--rejects <file>", "write every failing line with its reasons to this JSONL file")
    .option("--max-findings <n>", "findings to print (all are counted)", intArg("--max-findings"), 20)
    .option("-j, --jobs <n>", "worker threads parsing and checking records (default 1, one per core with --stats or --chat-template, none for files under 4 MB; 0 = one per core; ~60 MB each)", intArg("--jobs"))
    .option("-n, --limit <n>", "check only the first N lines of each file (record-count and file-size rules are then skipped)", intArg("--limit", 1))
    .option("--report <file>", `${REPORT_HELP}; holds the full validation report`)
    .option("--check-media", "ask S3 (HEAD) for every image, video and document the records name: it exists, is within its size, fits its format, and is in the dataset's bucket")
    .option("-q, --quiet", "print nothing: the exit code says whether the file would be accepted")
    .action(async (file: string, o: { model?: string; validation?: string; format?: FormatName; batchSize?: number; tokenizer?: string; chatTemplate?: string; stats?: boolean; epochs?: number; json?: boolean; rejects?: string; maxFindings: number; jobs?: number; limit?: number; report?: string; quiet?: boolean; checkMedia?: boolean }) => {
      const { validateFiles } = await import("../validate/validate.js");
      checkReportTarget(o.report, o.json ? "--json" : undefined, [{ option: "--rejects", path: o.rejects }]);
      report.target = o.report;
      let r: ValidationReport;
      const progress = new Progress({ quiet: o.quiet });
      try {
        let current = "";
        r = await validateFiles(
          { train: file, validation: o.validation },
          {
            ...o,
            keepFindings: o.json || o.report ? undefined : o.maxFindings,
            onProgress: ({ path, done, total }) => {
              if (path !== current) {
                current = path;
                progress.start(`validating ${basename(path)}`, total || undefined, "bytes");
              }
              progress.update(done);
            },
          },
        );
        progress.stop();
        if (o.checkMedia) {
          const { mediaFindings } = await import("../media/check.js");
          for (const f of [file, ...(o.validation ? [o.validation] : [])]) {
            if (f === "-") throw new PrepError("--check-media reads the file a second time: give a file, not -", 2);
            const m = await mediaFindings(f);
            for (const x of m.findings) {
              const c = (r.counts[x.reason] ??= { errors: 0, warnings: 0 });
              if (x.severity === "error") (c.errors++, r.errors++);
              else (c.warnings++, r.warnings++);
              r.findings.push(x);
            }
            if (!o.quiet && !o.json) process.stderr.write(`note: ${f}: ${n(m.objects)} media object${m.objects === 1 ? "" : "s"} checked in S3\n`);
          }
          r.ok = r.errors === 0;
        }
      } catch (e) {
        progress.stop();
        // --json promises JSON on stdout: a run that could not validate says so as an object too.
        if (o.json && e instanceof PrepError) {
          process.stdout.write(JSON.stringify({ ok: false, error: e.message, exitCode: e.exitCode === 1 ? 3 : e.exitCode }, null, 2) + "\n");
        }
        throw e;
      }
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      else if (!o.quiet) {
        printReport(r, o.maxFindings, process.stdout);
        if (o.limit !== undefined) process.stdout.write(`(first ${n(o.limit)} lines only: record-count and file-size rules skipped)\n`);
      }
      report.add(validationSummary(r), o.rejects ? [{ role: "rejects", path: o.rejects, bytes: o.rejects === "-" ? 0 : (statSync(o.rejects, { throwIfNoEntry: false })?.size ?? 0) }] : [], { validate: r });
      setExit(r.ok ? 0 : 1);
    });

  program
    .command("stats <file>")
    .description("token statistics of a JSONL dataset: total, min, mean, p50/p90/p99, max, histogram, training tokens")
    .option("-m, --model <id>", "count with this model's tokenizer (exact or estimated)")
    .addOption(new Option("--tokenizer <name>", "token counter (default: the model's, else cl100k)").choices(tokenizerNames))
    .addOption(new Option("-f, --format <name>", "record format (default: detected)").choices(formatNames))
    .option("--epochs <n>", "epochs for the training-token estimate", intArg("--epochs", 1))
    .option("--chat-template <name|file>", `count each record as the trainer sees it, rendered with this chat template (built in: ${builtInTemplates.join(", ")}; or a model's tokenizer_config.json / .jinja), special tokens once each`)
    .option("--json", "print as JSON")
    .option("-n, --limit <n>", "measure only the first N lines", intArg("--limit", 1))
    .option("--report <file>", REPORT_HELP)
    .option("-q, --quiet", "print nothing (with --report: the figures are in the report)")
    .action(async (file: string, o: { model?: string; tokenizer?: string; chatTemplate?: string; format?: FormatName; epochs?: number; json?: boolean; limit?: number; report?: string; quiet?: boolean }) => {
      // Only statistics: no model rules, so a file for any model can be measured.
      const { validateFiles } = await import("../validate/validate.js");
      checkReportTarget(o.report, o.json ? "--json" : undefined, []);
      report.target = o.report;
      const progress = new Progress({ quiet: o.quiet });
      let started = false;
      const r = await validateFiles(
        { train: file },
        {
          tokenizer: o.tokenizer ?? (o.model ? getProfile(o.model).tokenizer : undefined),
          chatTemplate: o.chatTemplate,
          format: o.format,
          stats: true,
          // The model's default epochs, as validate --stats uses (stats --model said "× 1 epochs" for a 5-epoch default).
          epochs: o.epochs ?? (o.model ? getProfile(o.model).hyperparameters.value.epochCount?.default : undefined),
          keepFindings: 0,
          limit: o.limit,
          onProgress: ({ done, total }) => {
            if (!started) progress.start(`measuring ${basename(file)}`, total || undefined, "bytes");
            started = true;
            progress.update(done);
          },
        },
      ).finally(() => progress.stop());
      const s = r.files[0]!.stats;
      report.add(validationSummary(r), [], { stats: s, trainingTokens: r.trainingTokens, tokenizer: r.tokenizer });
      if (o.json) {
        process.stdout.write(JSON.stringify({ file, tokenizer: r.tokenizer, stats: s, trainingTokens: r.trainingTokens, skipped: r.errors }, null, 2) + "\n");
      } else if (!o.quiet) {
        printStats(file, s, r.tokenizer.exact, process.stdout);
        if (r.trainingTokens) process.stdout.write(`training tokens: ${n(r.trainingTokens.perEpoch)} per epoch × ${r.trainingTokens.epochs} epochs = ${n(r.trainingTokens.total)}${r.tokenizer.exact ? "" : " (estimated)"}\n`);
        if (r.errors) process.stdout.write(`${n(r.errors)} invalid line(s) not counted; run \`prep-data validate\` to see them\n`);
      }
      setExit(r.errors ? 1 : 0);
    });

  program
    .command("models [id]")
    .description("list the Bedrock models and the other trainers' targets prep-data knows, or show one's formats, limits and hyperparameter ranges with sources")
    .option("--json", "print as JSON")
    .action((id: string | undefined, o: { json?: boolean }) => {
      if (id) {
        const p = getProfile(id, { listing: true });
        process.stdout.write(o.json ? JSON.stringify(p, (_k, v) => (v === Infinity ? null : v), 2) + "\n" : describeProfile(p) + "\n");
        return;
      }
      if (o.json) {
        process.stdout.write(JSON.stringify(profiles, (_k, v) => (v === Infinity ? null : v), 2) + "\n");
        return;
      }
      const w = Math.max(...profiles.map((p) => p.baseModelId.value.length));
      const TASK: Record<string, string> = { "fine-tuning": "FT", "continued-pretraining": "CPT", "reinforcement-fine-tuning": "RFT" };
      for (const p of profiles) {
        const fmts = p.notCustomizable ? "no longer customizable" : Object.entries(p.tasks).map(([t, r]) => `${r!.formats.value.join("/")} (${TASK[t] ?? t})`).join(", ");
        const status = isRetired(p) ? `RETIRED${p.lifecycle.endDate ? ` ${p.lifecycle.endDate}` : ""}` : p.lifecycle.state === "active" ? "active" : p.lifecycle.state === "legacy" ? `legacy${p.lifecycle.endDate ? ` until ${p.lifecycle.endDate}` : ""}` : "not in the current table";
        process.stdout.write(`${p.baseModelId.value.padEnd(w)}  ${p.aliases[0]!.padEnd(20)} ${status.padEnd(24)} ${fmts}\n`);
      }
      process.stdout.write("\nstatus from the guide's current fine-tuning table and model cards; `prep-data models ALIAS` for one model's rules and sources\n");
      // The other trainers (--target NAME): formats and the limits they publish.
      process.stdout.write("\nother trainers (--target NAME; `prep-data models NAME` for the rules and sources):\n");
      const tw = Math.max(...targets.map((t) => t.id.length));
      for (const t of targets) {
        const fmts = Object.values(t.tasks).flatMap((r) => r!.formats.value).join(", ");
        const state = t.lifecycle.state === "active" ? "active" : isRetired(t) ? `no new jobs since ${t.lifecycle.endDate}` : `new jobs until ${t.lifecycle.endDate}`;
        process.stdout.write(`${t.id.padEnd(tw)}  ${state.padEnd(24)} ${fmts}\n`);
      }
    });
}


import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, dirname, relative, resolve } from "node:path";
import { checkS3Uri } from "../jobs/requests.js";
import { sha256Of } from "../outputs/digest.js";
import { Option, type Command } from "commander";
import { openSink } from "../jsonl.js";
import { PrepError } from "../record.js";
import { durationArg, intArg } from "./options.js";
import { Progress } from "./progress.js";

/** What `upload` writes and `job create --manifest` reads. */
export interface UploadManifest {
  model?: string;
  files: { role: "train" | "validation"; local: string; uri: string; bytes: number; sha256: string; records: number; format?: string; uploaded: boolean }[];
  validation: { ok: boolean; errors: number; warnings: number; forced: boolean; counts: Record<string, { errors: number; warnings: number }> };
}



export function addJobCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command("upload <files...>")
    .description("validate a training file (and --validation file) for a model, then upload it to s3://bucket/prefix/ with a manifest for `job create`")
    .option("--validation <file>", "the validation file, uploaded beside the training file")
    .option("-m, --model <id>", "validate against this model first (nothing is uploaded if Bedrock would reject the data)")
    .option("--batch-size <n>", "with --model: the job's batch size", intArg("--batch-size", 1))
    .option("--force", "upload even when validation finds errors (said loudly, and recorded in the manifest)")
    .option("--manifest <file>", "where to write the manifest (default: TRAIN.manifest.json beside the training file)")
    .option("-q, --quiet", "no progress line")
    .action(async (files: string[], o: { validation?: string; model?: string; batchSize?: number; force?: boolean; manifest?: string; quiet?: boolean }) => {
      const dest = files.pop()!;
      if (!dest?.startsWith("s3://")) throw new PrepError("upload FILE [--validation FILE] s3://bucket/prefix/: the last argument is the S3 destination", 2);
      if (files.length !== 1) throw new PrepError("upload takes one training file (and --validation FILE)", 2);
      const train = files[0]!;
      const prefix = dest.endsWith("/") ? dest : `${dest}/`;
      checkS3Uri(prefix, "the S3 destination");
      // Two inputs may not resolve to one key (the validation file would replace the training data).
      if (o.validation && basename(o.validation) === basename(train)) {
        throw new PrepError(`${train} and --validation ${o.validation} would both be uploaded as ${prefix}${basename(train)}: rename one (e.g. train.jsonl and validation.jsonl)`, 2);
      }
      for (const f of [train, o.validation]) if (f) checkS3Uri(`${prefix}${basename(f)}`, `the key for ${f}`);
      const { validateFiles } = await import("../validate/validate.js");
      // Validated and hashed in one read: the upload is held to exactly these bytes.
      const r = await validateFiles({ train, validation: o.validation }, { model: o.model, batchSize: o.batchSize, keepFindings: 20, digest: true });
      for (const f of r.findings.slice(0, 20)) process.stderr.write(`${f.severity}: ${f.origin.source}${f.origin.line ? `:${f.origin.line}` : ""}: ${f.reason}: ${f.message}\n`);
      if (!r.ok && !o.force) {
        process.stderr.write(`prep-data: not uploaded: ${r.errors} error(s) against ${o.model ?? "the format's rules"}; Bedrock would reject the data (fix it, or --force)\n`);
        setExit(1);
        return;
      }
      if (!r.ok) process.stderr.write(`WARNING: uploading despite ${r.errors} validation error(s) (--force); the job will likely fail\n`);
      const { uploadVerified } = await import("../s3/upload.js");
      const manifest: UploadManifest = { ...(r.model ? { model: r.model.id } : {}), files: [], validation: { ok: r.ok, errors: r.errors, warnings: r.warnings, forced: !r.ok, counts: r.counts } };
      const progress = new Progress({ quiet: o.quiet });
      const todo: { role: "train" | "validation"; local: string; report: (typeof r.files)[number] }[] = [{ role: "train", local: train, report: r.files[0]! }, ...(o.validation ? [{ role: "validation" as const, local: o.validation, report: r.files[1]! }] : [])];
      for (const { role, local, report } of todo) {
        const uri = `${prefix}${basename(local)}`;
        const bytes = report.bytes;
        const sha256 = report.sha256;
        if (!sha256) throw new PrepError(`${local}: the file could not be read whole while it was validated; nothing uploaded`, 3);
        const { uploaded } = await uploadVerified(local, uri, { sha256, bytes }, {
          onStart: () => progress.start(`uploading ${basename(local)}`, bytes, "bytes"),
          onBytes: (done) => progress.update(done),
          onEnd: () => progress.stop(),
          onNote: (m) => process.stderr.write(m + "\n"),
        });
        manifest.files.push({ role, local, uri, bytes, sha256, records: report.records, format: report.format, uploaded });
      }
      const path = o.manifest ?? `${train.replace(/\.jsonl$/, "")}.manifest.json`;
      // Local paths relative to the manifest, so `job create --manifest` finds them from any working directory.
      for (const f of manifest.files) f.local = relative(dirname(resolve(path)), resolve(f.local)) || basename(f.local);
      const sink = openSink(path, { option: "--manifest" });
      await sink.write(manifest);
      await sink.close();
      process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
      process.stderr.write(`manifest → ${path}\n`);
      setExit(0);
    });

  const job = program.command("job").description("Bedrock model customization jobs: create (dry run by default), status, wait");
  job
    .command("create")
    .description("build (and with --submit, send) a CreateModelCustomizationJob request, every hyperparameter checked against the model's range")
    .requiredOption("-m, --model <id>", "base model ID or alias")
    .option("--type <type>", "fine-tuning, continued-pre-training, distillation or rft (reinforcement-fine-tuning)", "fine-tuning")
    .option("--train <s3uri>", "training data (or --manifest)")
    .option("--validation <s3uri>", "validation data")
    .option("--manifest <file>", "the manifest `upload` wrote: training and validation URIs")
    .requiredOption("--output <s3uri>", "where Bedrock writes the job's output")
    .requiredOption("--role-arn <arn>", "IAM role Bedrock assumes")
    .requiredOption("--name <name>", "job name (also the custom model's name unless --custom-model-name)")
    .option("--custom-model-name <name>", "name of the resulting custom model")
    .option("--epochs <n>", "epochCount")
    .option("--batch-size <n>", "batchSize")
    .option("--learning-rate <x>", "learningRate")
    .option("--warmup-steps <n>", "learningRateWarmupSteps")
    .option("--hp <key=value>", "any other hyperparameter by its Bedrock name (repeat)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--teacher <modelId>", "distillation: the teacher model")
    .option("--max-response-length <n>", "distillation: maxResponseLengthForInference", intArg("--max-response-length", 1))
    .option("--invocation-logs <s3uri>", "distillation, rft: train on Bedrock model invocation logs under this prefix instead of --train")
    .option("--use-prompt-response", "with --invocation-logs: use the logged responses as they are (distillation: the teacher does not answer again)")
    .option("--metadata-filter <key=value>", "with --invocation-logs: only requests whose requestMetadata has key=value (or key!=value); repeat for several", (v: string, all: string[]) => [...all, v], [] as string[])
    .addOption(new Option("--metadata-match <all|any>", "with several --metadata-filter: all must hold (andAll) or any (orAll)").choices(["all", "any"]).default("all"))
    .option("--grader-lambda <arn>", "rft: the Lambda function that scores each response (see `prep-data grader init`)")
    .option("--submit", "send the request (default: print it, a dry run)")
    .action(async (o: { model: string; type: string; train?: string; validation?: string; manifest?: string; output: string; roleArn: string; name: string; customModelName?: string; epochs?: string; batchSize?: string; learningRate?: string; warmupSteps?: string; hp: string[]; teacher?: string; maxResponseLength?: number; graderLambda?: string; invocationLogs?: string; usePromptResponse?: boolean; metadataFilter: string[]; metadataMatch: "all" | "any"; submit?: boolean }) => {
      const { CUSTOMIZATION_TYPES } = await import("../jobs/job.js");
      const type = CUSTOMIZATION_TYPES[o.type];
      if (!type) throw new PrepError(`--type ${o.type}: expected ${Object.keys(CUSTOMIZATION_TYPES).join(", ")}`, 2);
      let train = o.train;
      let validation = o.validation;
      let manifest: UploadManifest | undefined;
      if (o.manifest) {
        try {
          manifest = JSON.parse(await readFile(o.manifest, "utf8")) as UploadManifest;
        } catch (e) {
          throw new PrepError(`--manifest ${o.manifest}: ${(e as Error).message}`, 2);
        }
        train ??= manifest.files.find((f) => f.role === "train")?.uri;
        validation ??= manifest.files.find((f) => f.role === "validation")?.uri;
        if (!manifest.validation.ok) process.stderr.write(`WARNING: ${o.manifest} records ${manifest.validation.errors} validation error(s) (uploaded with --force)\n`);
      }
      if ((o.usePromptResponse || o.metadataFilter.length) && !o.invocationLogs) throw new PrepError("--use-prompt-response and --metadata-filter go with --invocation-logs", 2);
      const { invocationLogsConfig } = await import("../jobs/invocation-logs.js");
      const invocationLogs = o.invocationLogs ? invocationLogsConfig(o.invocationLogs, o.metadataFilter, o.metadataMatch, o.usePromptResponse ? true : undefined) : undefined;
      if (!train && !invocationLogs) throw new PrepError("give --train s3://… or --manifest FILE (distillation and rft: or --invocation-logs s3://…)", 2);
      const hp: Record<string, string> = {};
      for (const [name, v] of [["epochCount", o.epochs], ["batchSize", o.batchSize], ["learningRate", o.learningRate], ["learningRateWarmupSteps", o.warmupSteps]] as const) if (v !== undefined) hp[name] = v;
      for (const kv of o.hp) {
        const i = kv.indexOf("=");
        if (i <= 0) throw new PrepError(`--hp ${kv}: expected key=value`, 2);
        hp[kv.slice(0, i)] = kv.slice(i + 1);
      }
      const { planJob } = await import("../jobs/job.js");
      const plan = planJob({ model: o.model, type, train, validation, output: o.output, roleArn: o.roleArn, name: o.name, customModelName: o.customModelName, hyperparameters: hp, teacher: o.teacher, maxResponseLength: o.maxResponseLength, graderLambda: o.graderLambda, invocationLogs });
      for (const h of plan.hyperparameters) process.stderr.write(`  ${h.name.padEnd(24)} ${h.given ? String(h.value ?? "").padEnd(10) : `(default ${h.default ?? "Bedrock's"})`.padEnd(10)}  ${h.type}${h.max ? ` ${h.min}–${h.max === Number.MAX_SAFE_INTEGER ? "" : h.max}` : ""}\n`);
      process.stderr.write(`  [hyperparameter ranges: ${type === "reinforcement-fine-tuning" ? "API_RFTHyperParameters" : `${plan.profile.hyperparameters.source}${plan.profile.hyperparameters.confirmed ? "" : ", not published for this model: the family's ranges"}`}]\n`);
      const noVal = type === "fine-tuning" ? plan.profile.tasks["fine-tuning"]?.noValidationSet : undefined;
      if (validation && noVal) process.stderr.write(`WARNING: ${noVal.value} [${noVal.source}]\n`);
      // The training data's token limits at the chosen batch size, when the validated file is at hand.
      const entry = manifest?.files.find((f) => f.role === "train");
      // The manifest's local paths are relative to the manifest; the file must still be the one uploaded.
      const local = entry?.local !== undefined ? resolve(dirname(resolve(o.manifest!)), entry.local) : undefined;
      if (local && entry && existsSync(local)) {
        const now = await sha256Of(createReadStream(local));
        if (entry.sha256 && now !== entry.sha256) throw new PrepError(`${local} changed since it was uploaded as ${entry.uri} (sha256 ${now.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}…): upload it again`, 2);
      } else if (local) process.stderr.write(`note: ${local} (the manifest's training file) is not here; its token limits at the job's batch size are not re-checked\n`);
      if (local && existsSync(local)) {
        const { validateFiles } = await import("../validate/validate.js");
        const r = await validateFiles({ train: local }, { model: plan.profile.id, batchSize: plan.batchSize, keepFindings: 5 });
        if (!r.ok) {
          for (const f of r.findings) process.stderr.write(`error: ${f.origin.source}${f.origin.line ? `:${f.origin.line}` : ""}: ${f.reason}: ${f.message}\n`);
          throw new PrepError(`${local} breaks ${plan.profile.id}'s rules at batch size ${plan.batchSize}: not submitted`, 1);
        }
      }
      if (!o.submit) {
        process.stdout.write(JSON.stringify(plan.request, null, 2) + "\n");
        process.stderr.write("dry run: nothing sent (--submit sends it)\n");
        setExit(0);
        return;
      }
      const { submitJob } = await import("../jobs/control.js");
      const r = await submitJob(plan.request as Record<string, unknown>);
      process.stdout.write(JSON.stringify({ jobArn: r.jobArn }, null, 2) + "\n");
      process.stderr.write(`submitted: ${r.jobArn}\n`);
      setExit(0);
    });

  job
    .command("status <job>")
    .description("a job's status (name or ARN)")
    .action(async (id: string) => {
      const { jobStatus, jobExitCode } = await import("../jobs/control.js");
      const j = await jobStatus(id);
      process.stdout.write(JSON.stringify(j, null, 2) + "\n");
      setExit(jobExitCode(j.status));
    });

  job
    .command("wait <job>")
    .description("poll a job until it ends: exit 0 Completed, 1 Failed or Stopped (with the failure message)")
    .option("--interval <time>", "first polling interval: seconds, or with a unit (30s, 5m, 1h); doubled up to 5 minutes", durationArg, 30)
    .action(async (id: string, o: { interval: number }) => {
      const { waitForJob, jobExitCode } = await import("../jobs/control.js");
      const progress = new Progress({});
      const j = await waitForJob(id, {
        intervalSeconds: o.interval,
        onPoll: (j, ms) => {
          const steps = Object.entries((j.statusDetails ?? {}) as Record<string, { status?: string }>).map(([k, v]) => `${k.replace(/Details$/, "")} ${v?.status ?? "?"}`).join(", ");
          progress.start(`job ${j.jobName ?? id}: ${j.status}${steps ? ` (${steps})` : ""}, ${Math.round(ms / 1000)} s`, undefined, "rows");
        },
      }).finally(() => progress.stop());
      process.stdout.write(JSON.stringify(j, null, 2) + "\n");
      if (j.status !== "Completed") process.stderr.write(`prep-data: job ${j.jobName ?? id} ${j.status}${j.failureMessage ? `: ${j.failureMessage}` : ""}\n`);
      setExit(jobExitCode(j.status));
    });
}

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { checkDistinctOutputs, checkOutputTarget, openSink } from "../jsonl.js";
import { PrepError, type Finding } from "../record.js";
import { rejectLine } from "../outputs/rejects.js";
import { intArg, REPORT_HELP } from "./options.js";
import { report, Reporter } from "./report.js";
import { addCallOptions, cachePathOf, callOptions, callsText, numberArg, type CallCli } from "./calls.js";

interface EvalCli extends CallCli {
  model: string[];
  judge?: string;
  judgePrompt?: string;
  baseUrl?: string;
  output: string;
  rejects?: string;
  report?: string;
  limit?: number;
  temperature?: number;
  maxOutputTokens?: number;
  maxFindings: number;
  quiet?: boolean;
  bedrockJob?: string;
  bedrockJobName?: string;
  roleArn?: string;
  datasetS3?: string;
  outputS3?: string;
  bedrockMetrics?: string;
  bedrockTaskType?: string;
}

/** NAME=SPEC (or a bare spec, named A, B, … by position). */
function parseModels(specs: string[]): { name: string; spec: string }[] {
  const out = specs.map((s, i) => {
    const m = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(s);
    return m && !/^(bedrock|openai)$/.test(m[1]!) ? { name: m[1]!, spec: m[2]! } : { name: String.fromCharCode(65 + i), spec: s };
  });
  const names = new Set<string>();
  for (const m of out) {
    if (!/^(bedrock|openai):.+/.test(m.spec)) throw new PrepError(`--model ${m.name}=${m.spec}: expected NAME=bedrock:<model id or custom model ARN> or NAME=openai:<model>`, 2);
    if (names.has(m.name)) throw new PrepError(`--model: the name "${m.name}" is given twice`, 2);
    names.add(m.name);
  }
  return out;
}

const f3 = (x: number | undefined) => (x === undefined ? "-" : x.toFixed(3));

export function addEvalCommand(program: Command, setExit: (code: number) => void): void {
  addCallOptions(program
    .command("eval <files...>")
    .description("run models on every prompt of an evaluation file (evaluation, instruction or chat records), score their replies against the references (exact match, token F1, ROUGE-1/2/L, BLEU) and, with --judge, compare each pair of models by an LLM judge in both orders (win rates with 95 % intervals)")
    .requiredOption("--model <name=spec>", "a model to evaluate, e.g. base=bedrock:amazon.nova-lite-v1:0, tuned=bedrock:arn:aws:bedrock:…:custom-model-deployment/…, or openai:<model> (repeat for each)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--judge <spec>", "the pairwise judge: bedrock:<modelId> or openai:<model>")
    .option("--judge-prompt <file>", "the judge's prompt: {question}, {answer_a}, {answer_b}, {reference}; the reply must end with [[A]], [[B]] or [[C]] (tie)")
    .option("--base-url <url>", "openai: models and judges: the server (default OPENAI_BASE_URL)")
    .option("-o, --output <file>", "one JSON line per prompt: the replies, their metrics and the judge's verdicts (- for stdout)", "-")
    .option("--rejects <file>", "each line that is not a prompt (not JSON, no user turn), as JSONL")
    .option("--report <file>", REPORT_HELP)
    .option("-n, --limit <n>", "the first N prompts", intArg("--limit", 1))
    .option("--temperature <t>", "the evaluated models' sampling temperature (default 0)", numberArg("--temperature", 0, 2))
    .option("--max-output-tokens <n>", "the evaluated models' reply limit", intArg("--max-output-tokens", 1)), "model and judge", "eval-cache.jsonl")
    .option("--bedrock-job <file>", "instead of running the models: write Bedrock CreateEvaluationJob requests (model as judge; one per --model, all bedrock:) for this dataset, checked against the API's input shape")
    .option("--bedrock-job-name <name>", "with --bedrock-job: the job name (each model's name is appended)")
    .option("--role-arn <arn>", "with --bedrock-job: the service role Bedrock assumes")
    .option("--dataset-s3 <uri>", "with --bedrock-job: where this dataset is uploaded (s3://…)")
    .option("--output-s3 <uri>", "with --bedrock-job: where the job writes its results (s3://…/)")
    .option("--bedrock-metrics <list>", "with --bedrock-job: built-in metrics, comma-separated (default Builtin.Correctness,Builtin.Completeness,Builtin.Faithfulness,Builtin.Helpfulness)")
    .option("--bedrock-task-type <type>", "with --bedrock-job: Summarization, Classification, QuestionAndAnswer, Generation or Custom (default Generation)")
    .option("--max-findings <n>", "print at most N findings (all are counted)", intArg("--max-findings"), 20)
    .option("-q, --quiet", "no notes or summary")
    .action(async (files: string[], o: EvalCli) => {
      const models = parseModels(o.model);
      const { checkTeacherOptions, teacherFrom } = await import("../synth/teacher.js");
      for (const m of models) await checkTeacherOptions(m.spec, { temperature: o.temperature, maxOutputTokens: o.maxOutputTokens }).catch((e: Error) => { throw new PrepError(e.message.replace(/--teacher/g, `--model ${m.name}`), 2); });
      if (o.judge) await checkTeacherOptions(o.judge, {}).catch((e: Error) => { throw new PrepError(e.message.replace(/--teacher/g, "--judge"), 2); });
      if (o.bedrockJob) return setExit(await writeBedrockJobs(files, models, o));
      if (o.judge && models.length < 2) throw new PrepError("--judge compares models pairwise: give two or more --model", 2);
      const judgePrompt = o.judgePrompt ? await readFile(o.judgePrompt, "utf8").catch((e: Error) => { throw new PrepError(`--judge-prompt ${o.judgePrompt}: ${e.message}`, 2); }) : undefined;
      if (judgePrompt !== undefined) for (const k of ["{question}", "{answer_a}", "{answer_b}"]) if (!judgePrompt.includes(k)) throw new PrepError(`--judge-prompt ${o.judgePrompt} has no ${k}`, 2);
      const cachePath = cachePathOf(o, o.output, "eval-cache.jsonl");
      const outs = [{ option: "-o", path: o.output }, { option: "--rejects", path: o.rejects }, { option: "--report", path: o.report }, { option: "--cache", path: cachePath }];
      checkDistinctOutputs(outs);
      for (const x of outs) if (x.path !== undefined) checkOutputTarget(x.path, { inputs: files, option: x.option });
      report.target = o.report;
      const rep = new Reporter(o.maxFindings, o.quiet);
      const [{ readRecords }, { evalPrompts }, { evaluate, EvalTotals }, { ReplyCache }] = await Promise.all([import("../ops/ops.js"), import("../eval/prompts.js"), import("../eval/eval.js"), import("../synth/cache.js")]);
      const clients = await Promise.all(models.map(async (m) => ({ name: m.name, model: await teacherFrom(m.spec, { baseUrl: o.baseUrl, concurrency: o.concurrency, requestTimeoutMs: o.requestTimeout * 1000 }) })));
      const judge = o.judge ? await teacherFrom(o.judge, { baseUrl: o.baseUrl, concurrency: o.concurrency, requestTimeoutMs: o.requestTimeout * 1000 }) : undefined;
      const cache = cachePath ? new ReplyCache(cachePath) : undefined;
      if (cache?.entries) rep.notice(`${cache.entries} cached replies in ${cachePath}`);
      const stats = { requests: 0, cached: 0, retries: 0, inputTokens: 0, outputTokens: 0 } as import("../synth/calls.js").CallStats;
      const totals = new EvalTotals(models.map((m) => m.name));
      const sink = openSink(o.output, { inputs: files, option: "-o" });
      const rejects = o.rejects ? openSink(o.rejects, { inputs: files, option: "--rejects" }) : undefined;
      const t0 = Date.now();
      let read = 0;
      let refused = 0;
      let failedPrompts = 0;
      const byReason: Record<string, number> = {};
      async function* limited(src: AsyncIterable<import("../eval/prompts.js").EvalPrompt | Finding>) {
        let n = 0;
        for await (const p of src) {
          if (p.type === "prompt" && o.limit !== undefined && n++ >= o.limit) return;
          yield p;
        }
      }
      try {
        for await (const r of evaluate(limited(evalPrompts(readRecords(files))), { models: clients, judge, judgePrompt, temperature: o.temperature, maxOutputTokens: o.maxOutputTokens, concurrency: o.concurrency, ...callOptions(o), cache, stats })) {
          read++;
          if (r.type === "finding") {
            refused++;
            byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
            rep.finding(r);
            await rejects?.write(rejectLine(r));
            continue;
          }
          if (r.errors) {
            failedPrompts++;
            for (const [name, message] of Object.entries(r.errors)) rep.finding({ type: "finding", reason: "model-error", message: `${name}: ${message}`, origin: { source: r.source, line: r.line }, severity: "error" });
          }
          for (const [key, j] of Object.entries(r.judge ?? {})) if ("error" in j) rep.finding({ type: "finding", reason: "judge-error", message: `${key}: ${j.error}`, origin: { source: r.source, line: r.line }, severity: "error" });
          const { type: _t, ...line } = r;
          await sink.write(line);
          totals.add(r);
        }
        const summary = totals.summary();
        if (summary.prompts === 0) {
          await sink.abort();
          await rejects?.close();
          rep.flushFindings();
          if (!o.quiet) rep.line(`eval: read ${read}, no prompt evaluated → nothing written${o.output === "-" ? "" : ` (${o.output} left as it was)`}`);
          report.add({ read, written: 0, rejected: byReason, warnings: {}, output: o.output, elapsedMs: Date.now() - t0 }, [], { eval: summary, calls: stats });
          return setExit(3);
        }
        await sink.close();
        await rejects?.close();
        rep.flushFindings();
        if (!o.quiet) {
          rep.line(`eval: ${summary.prompts} prompts${refused ? `, ${refused} lines refused` : ""} → ${o.output === "-" ? "stdout" : o.output} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${callsText(stats, o)}${stats.stoppedBy ? `; stopped by --${stats.stoppedBy}` : ""}`);
          const w = Math.max(5, ...models.map((m) => m.name.length));
          rep.line(`${"model".padEnd(w)}  prompts  failed  scored  exact   f1      rouge1  rouge2  rougeL  bleu`);
          for (const m of models) {
            const s = summary.models[m.name]!;
            const x = s.metrics;
            rep.line(`${m.name.padEnd(w)}  ${String(s.prompts).padStart(7)}  ${String(s.failed).padStart(6)}  ${String(s.scored).padStart(6)}  ${f3(x?.exact_match)}   ${f3(x?.f1)}   ${f3(x?.rouge1)}   ${f3(x?.rouge2)}   ${f3(x?.rougeL)}   ${x ? x.bleu.toFixed(2) : "-"}`);
          }
          for (const [key, p] of Object.entries(summary.pairs)) {
            if (!judge) break;
            const [a, b] = key.split(" vs ") as [string, string];
            const wr = p.winRate;
            rep.line(`judge (${o.judge}) ${key}: ${a} wins ${p.wins[a]}, ${b} wins ${p.wins[b]}, ties ${p.ties}, inconsistent ${p.inconsistent}${p.failed ? `, no verdict ${p.failed}` : ""}${wr ? ` → ${a} win rate ${(wr.rate * 100).toFixed(1)} % (95 % CI ${(wr.ci95[0] * 100).toFixed(1)}–${(wr.ci95[1] * 100).toFixed(1)} %, ${wr.decided} decided, ties excluded)` : ""}`);
          }
        }
        report.add({ read, written: summary.prompts, rejected: byReason, warnings: {}, output: o.output, elapsedMs: Date.now() - t0 }, [{ role: "output", path: o.output, bytes: sink.bytes ?? 0, records: summary.prompts }], { eval: summary, calls: stats });
        setExit(refused || failedPrompts || Object.values(summary.pairs).some((p) => p.failed) ? 1 : 0);
      } catch (e) {
        await sink.abort();
        await rejects?.abort();
        throw e;
      } finally {
        cache?.close();
      }
    });
}

/** --bedrock-job: the dataset checked as Bedrock reads it, then one CreateEvaluationJob request per model. */
async function writeBedrockJobs(files: string[], models: { name: string; spec: string }[], o: EvalCli): Promise<number> {
  const missing = [["--role-arn", o.roleArn], ["--dataset-s3", o.datasetS3], ["--output-s3", o.outputS3], ["--judge", o.judge]].filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) throw new PrepError(`--bedrock-job needs ${missing.join(", ")}`, 2);
  if (!o.judge!.startsWith("bedrock:")) throw new PrepError("--bedrock-job: the evaluator is a Bedrock model: --judge bedrock:<modelId>", 2);
  for (const m of models) if (!m.spec.startsWith("bedrock:")) throw new PrepError(`--bedrock-job evaluates Bedrock models: --model ${m.name}=${m.spec} is not bedrock:`, 2);
  if (o.bedrockJob !== "-") checkOutputTarget(o.bedrockJob!, { inputs: files, option: "--bedrock-job" });
  const [{ readRecords }, { evaluationSchema, EVALUATION_MAX_PROMPTS }, { bedrockEvalJob }] = await Promise.all([import("../ops/ops.js"), import("../formats/evaluation.js"), import("../eval/bedrock-job.js")]);
  let n = 0;
  for await (const r of readRecords(files)) {
    if (r.type === "finding") throw new PrepError(`${r.origin.source}:${r.origin.line}: ${r.message}: Bedrock's evaluation job would fail on this line`, 3);
    const ok = evaluationSchema.safeParse(r.value);
    if (!ok.success) throw new PrepError(`${r.source}:${r.line}: not an evaluation record ({"prompt", "referenceResponse"?, "category"?}): ${ok.error.issues[0]?.path.length ? `${ok.error.issues[0].path.join(".")}: ` : ""}${ok.error.issues[0]?.message}; write one with --format evaluation or prep-data convert --to evaluation`, 3);
    n++;
  }
  if (n === 0) throw new PrepError(`${files.join(", ")}: no prompt`, 3);
  if (n > EVALUATION_MAX_PROMPTS) throw new PrepError(`${n} prompts: a Bedrock evaluation job takes at most ${EVALUATION_MAX_PROMPTS} (sample with prep-data sample -n ${EVALUATION_MAX_PROMPTS})`, 1);
  const base = (o.bedrockJobName ?? `prep-data-eval-${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}`).toLowerCase();
  const sink = openSink(o.bedrockJob!, { inputs: files, option: "--bedrock-job" });
  try {
    for (const m of models) {
      const jobName = models.length > 1 ? `${base}-${m.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}` : base;
      await sink.write(bedrockEvalJob({ jobName, roleArn: o.roleArn!, datasetS3Uri: o.datasetS3!, outputS3Uri: o.outputS3!, evaluator: o.judge!.slice("bedrock:".length), model: m.spec.slice("bedrock:".length), metrics: o.bedrockMetrics?.split(",").map((x) => x.trim()).filter(Boolean), taskType: o.bedrockTaskType, temperature: o.temperature, maxOutputTokens: o.maxOutputTokens }));
    }
    await sink.close();
  } catch (e) {
    await sink.abort();
    throw e;
  }
  if (!o.quiet) process.stderr.write(`${models.length} CreateEvaluationJob request${models.length === 1 ? "" : "s"} (${n} prompts, model as judge ${o.judge}) → ${o.bedrockJob}; upload the dataset to ${o.datasetS3}, then for each line: aws bedrock create-evaluation-job --cli-input-json "$LINE"\n`);
  return 0;
}

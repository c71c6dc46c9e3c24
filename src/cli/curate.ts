import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Command } from "commander";
import { PrepError } from "../record.js";
import { durationArg, intArg } from "./options.js";
import { common, operate, type OpsOpts } from "./operate.js";
import { numberArg } from "./synth.js";

interface CurateCli extends OpsOpts {
  judge: string;
  baseUrl?: string;
  minScore: number;
  repair?: boolean;
  rubricFile?: string;
  document?: string;
  question?: string;
  answer?: string;
  metadata?: string;
  concurrency: number;
  retries: number;
  requestTimeout: number;
  cache?: string | false;
  maxRequests?: number;
  maxTokens?: number;
  priceIn?: number;
  priceOut?: number;
}

export function addCurateCommand(program: Command, setExit: (code: number) => void): void {
  common(
    program
      .command("curate <files...>")
      .description("a judge model scores each question/answer record against its document (question self-contained and answerable, answer grounded, answer correct; 1–5); records below --min-score are removed (judge-score, with the verdict in --rejects)")
      .requiredOption("--judge <spec>", "the judge: bedrock:<modelId> (Converse) or openai:<model> (any OpenAI-compatible server)")
      .option("--base-url <url>", "openai: judges: the server (default OPENAI_BASE_URL)")
      .option("--min-score <n>", "every criterion must reach this (1–5)", intArg("--min-score", 1), 3)
      .option("--repair", "a record below --min-score is corrected once by the judge and judged again; kept when it passes")
      .option("--rubric-file <file>", "the judge's prompt ({document}, {question}, {answer}); its reply must hold \"question\", \"grounded\", \"correct\" (1–5) and \"reason\"")
      .option("--document <template>", "the document the pair is judged against (default: the last user turn before its last paragraph, else the system prompt)")
      .option("--question <template>", "the question (default {question}: the last user turn's last paragraph); fields: {user}, {assistant}, {system}, {first_user}, top-level fields")
      .option("--answer <template>", "the answer (default {assistant}: the last assistant turn)")
      .option("--metadata <file>", "each kept record's origin (file, line) and the judge's scores and reason")
      .option("--concurrency <n>", "judge requests in flight at most; output order is input order", intArg("--concurrency", 1), 8)
      .option("--retries <n>", "retries of throttling, 5xx, timeouts and dropped connections per request", intArg("--retries"), 5)
      .option("--request-timeout <time>", "one attempt's deadline: seconds or 30s/10m/1h", durationArg, 600)
      .option("--cache <file>", "judge replies kept here so a re-run asks nothing twice (default: OUTPUT.judge-cache.jsonl beside the output)")
      .option("--no-cache", "keep no reply cache")
      .option("--max-requests <n>", "stop cleanly after this many requests (the records not reached are not written)", intArg("--max-requests", 1))
      .option("--max-tokens <n>", "stop cleanly once the replies' input + output tokens reach this", intArg("--max-tokens", 1))
      .option("--price-in <usd>", "price per 1,000 input tokens, for the cost in the summary", numberArg("--price-in", 0))
      .option("--price-out <usd>", "price per 1,000 output tokens", numberArg("--price-out", 0)),
  ).action(async (files: string[], o: CurateCli) => {
    if (o.minScore > 5) throw new PrepError("--min-score is on the judge's 1–5 scale", 2);
    if (o.repair && (o.question !== undefined || o.answer !== undefined)) throw new PrepError("--repair writes the corrected pair back as the last user turn's last paragraph and the last assistant turn: not with --question or --answer", 2);
    const { checkTeacherOptions, teacherFrom } = await import("../synth/teacher.js");
    await checkTeacherOptions(o.judge, {});
    const rubric = o.rubricFile ? await readFile(o.rubricFile, "utf8").catch((e: Error) => { throw new PrepError(`--rubric-file ${o.rubricFile}: ${e.message}`, 2); }) : undefined;
    const cachePath = o.cache === false ? undefined : (o.cache ?? (o.output === "-" ? undefined : join(dirname(o.output), `${basename(o.output).replace(/\.jsonl$/, "")}.judge-cache.jsonl`)));
    const { checkOutputTarget } = await import("../jsonl.js");
    if (cachePath) checkOutputTarget(cachePath, { inputs: files, option: "--cache" });
    const judge = await teacherFrom(o.judge, { baseUrl: o.baseUrl, concurrency: o.concurrency, requestTimeoutMs: o.requestTimeout * 1000 });
    const [{ readRecords }, { curate }, { newJudgeStats }, { ReplyCache }] = await Promise.all([import("../ops/ops.js"), import("../judge/curate.js"), import("../judge/verify.js"), import("../synth/cache.js")]);
    const stats = { requests: 0, cached: 0, retries: 0, inputTokens: 0, outputTokens: 0, judge: newJudgeStats() } as import("../synth/calls.js").CallStats & { judge: import("../judge/verify.js").JudgeStats };
    const cache = cachePath ? new ReplyCache(cachePath) : undefined;
    const t0 = Date.now();
    let reporter: import("./report.js").Reporter | undefined;
    try {
      const code = await operate("curate", files, o, [], async ({ main, others, counts, reject, rep }) => {
        reporter = rep;
        if (cache?.entries && !o.quiet) rep.notice(`${cache.entries} cached judge replies in ${cachePath}`);
        const meta = others.get("--metadata");
        for await (const r of curate(readRecords(files), { judge, minScore: o.minScore, repair: o.repair, rubric, fields: { document: o.document, question: o.question, answer: o.answer }, concurrency: o.concurrency, retries: o.retries, requestTimeoutMs: o.requestTimeout * 1000, backoffMs: Number(process.env.PREP_DATA_TEACHER_BACKOFF_MS ?? 1000), cache, maxRequests: o.maxRequests, maxTokens: o.maxTokens, stats })) {
          counts.read++;
          if (r.type === "finding") {
            await reject(r);
            continue;
          }
          await main.write(r.value);
          await meta?.write({ record: counts.written, source: r.source, line: r.line, ...r.meta });
          counts.written++;
        }
      });
      if (!o.quiet && reporter) {
        const j = stats.judge;
        const cost = o.priceIn !== undefined || o.priceOut !== undefined ? (stats.inputTokens / 1000) * (o.priceIn ?? 0) + (stats.outputTokens / 1000) * (o.priceOut ?? 0) : undefined;
        reporter.line(`judge (${o.judge}): ${j.judged} records judged: ${j.passed} met --min-score ${o.minScore}, ${j.below} below${o.repair ? ` (${j.repaired} repaired and kept)` : ""}${j.failed ? `, ${j.failed} without a verdict` : ""}; scores ${Object.entries(j.histogram).map(([c, h]) => `${c} ${h.slice(1).join("/")}`).join(", ")} (counts of 1/2/3/4/5)`);
        reporter.line(`calls: ${stats.requests} requests (${stats.cached} from cache, ${stats.retries} retries), ${stats.inputTokens.toLocaleString("en-US")} input + ${stats.outputTokens.toLocaleString("en-US")} output tokens${cost !== undefined ? `, cost $${cost.toFixed(4)}` : ""} in ${((Date.now() - t0) / 1000).toFixed(1)} s${stats.stoppedBy ? `; stopped by --${stats.stoppedBy}: the records after the last one judged were not read or written` : ""}`);
      }
      const { report } = await import("./report.js");
      report.set({ judge: stats });
      setExit(code);
    } finally {
      cache?.close();
    }
  });
}

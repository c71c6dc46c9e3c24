import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { PrepError } from "../record.js";
import { intArg } from "./options.js";
import { common, operate, type OpsOpts } from "./operate.js";
import { addCallOptions, cachePathOf, callOptions, callsText, judgeLine, type CallCli } from "./calls.js";

interface CurateCli extends OpsOpts, CallCli {
  judge: string;
  baseUrl?: string;
  minScore: number;
  repair?: boolean;
  rubricFile?: string;
  document?: string;
  question?: string;
  answer?: string;
  metadata?: string;
}

export function addCurateCommand(program: Command, setExit: (code: number) => void): void {
  common(
    addCallOptions(program
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
      .option("--metadata <file>", "each kept record's origin (file, line) and the judge's scores and reason"), "judge", "judge-cache.jsonl"),
  ).action(async (files: string[], o: CurateCli) => {
    if (o.minScore > 5) throw new PrepError("--min-score is on the judge's 1–5 scale", 2);
    if (o.repair && (o.question !== undefined || o.answer !== undefined)) throw new PrepError("--repair writes the corrected pair back as the last user turn's last paragraph and the last assistant turn: not with --question or --answer", 2);
    const { checkTeacherOptions, teacherFrom } = await import("../synth/teacher.js");
    await checkTeacherOptions(o.judge, {});
    const rubric = o.rubricFile ? await readFile(o.rubricFile, "utf8").catch((e: Error) => { throw new PrepError(`--rubric-file ${o.rubricFile}: ${e.message}`, 2); }) : undefined;
    const cachePath = cachePathOf(o, o.output, "judge-cache.jsonl");
    const { checkOutputTarget } = await import("../jsonl.js");
    if (cachePath) checkOutputTarget(cachePath, { inputs: files, option: "--cache" });
    const judge = await teacherFrom(o.judge, { baseUrl: o.baseUrl, concurrency: o.concurrency, requestTimeoutMs: o.requestTimeout * 1000 });
    const [{ curateFiles }, { newJudgeStats }, { ReplyCache }] = await Promise.all([import("../judge/curate.js"), import("../judge/verify.js"), import("../synth/cache.js")]);
    const stats = { requests: 0, cached: 0, retries: 0, inputTokens: 0, outputTokens: 0, judge: newJudgeStats() } as import("../synth/calls.js").CallStats & { judge: import("../judge/verify.js").JudgeStats };
    const cache = cachePath ? new ReplyCache(cachePath) : undefined;
    const t0 = Date.now();
    let reporter: import("./report.js").Reporter | undefined;
    try {
      const code = await operate("curate", o, (hooks) => {
        reporter = hooks.rep;
        if (cache?.entries && !o.quiet) hooks.rep.notice(`${cache.entries} cached judge replies in ${cachePath}`);
        return curateFiles(files, { output: o.output, rejects: o.rejects, metadata: o.metadata, ...hooks, judge, minScore: o.minScore, repair: o.repair, rubric, fields: { document: o.document, question: o.question, answer: o.answer }, concurrency: o.concurrency, ...callOptions(o), cache, stats });
      });
      if (!o.quiet && reporter) {
        reporter.line(judgeLine(o.judge, stats.judge, "records", o.minScore, o.repair));
        reporter.line(`calls: ${callsText(stats, o)} in ${((Date.now() - t0) / 1000).toFixed(1)} s${stats.stoppedBy ? `; stopped by --${stats.stoppedBy}: the records after the last one judged were not read or written` : ""}`);
      }
      const { report } = await import("./report.js");
      report.set({ judge: stats });
      setExit(code);
    } finally {
      cache?.close();
    }
  });
}

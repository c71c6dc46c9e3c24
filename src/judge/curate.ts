import { getFormat, RecordIssue } from "../formats/index.js";
import { finding, type Finding, type Origin } from "../record.js";
import type { DatasetRecord } from "../ops/ops.js";
import { keyValues } from "../ops/key.js";
import { ModelCalls } from "../synth/calls.js";
import { mapOrdered } from "../synth/synth.js";
import { Template } from "../transforms/template.js";
import { detectFormat } from "../validate/detect.js";
import { newJudgeStats, PairJudge, verdictMeta, type VerifyOptions } from "./verify.js";
import type { CallOptions, CallStats } from "../synth/calls.js";
import type { JudgeStats } from "./verify.js";
import { runOperation, type OperationOptions, type OperationResult } from "../ops/operation.js";

/**
 * What a record is judged as: its document, question and answer. The defaults read the published layout — the last
 * user turn is the document, a blank line, the question — and the last assistant turn as the answer; `{document}`
 * is that turn before its last paragraph (or, when it has one paragraph, the system prompt).
 */
export interface CurateFields {
  document?: string;
  question?: string;
  answer?: string;
}

export interface CurateOptions extends CallOptions, Omit<VerifyOptions, "repairer"> {
  fields?: CurateFields;
  concurrency?: number;
  stats: CallStats & { judge?: JudgeStats };
}

export type Curated = { type: "kept"; value: Record<string, unknown>; source: string; line: number; meta: Record<string, unknown> } | Finding;

/** The document of a record in the published layout: its last user turn before the question, or its system prompt. */
function defaultDocument(v: Record<string, unknown>): string | undefined {
  const user = typeof v.user === "string" ? v.user : undefined;
  const cut = user?.search(/\n[ \t]*\n(?![\s\S]*\n[ \t]*\n)/);
  if (user && cut !== undefined && cut > 0) return user.slice(0, cut).trim();
  return typeof v.system === "string" && v.system.trim() ? v.system : undefined;
}

/** The record with its question (the last user turn's last paragraph) and answer (the last assistant turn) replaced. */
export function withPair(value: Record<string, unknown>, question: string, answer: string): Record<string, unknown> | undefined {
  const f = detectFormat(value);
  if (!f) return undefined;
  const format = getFormat(f);
  const draft = format.toDraft(value as never);
  if (draft.kind !== "chat") return undefined;
  const turns = draft.turns.map((t) => ({ ...t }));
  const u = turns.findLastIndex((t) => t.role === "user");
  const a = turns.findLastIndex((t) => t.role === "assistant");
  if (u < 0 || a < 0) return undefined;
  const user = turns[u]!.content;
  const cut = user.search(/\n[ \t]*\n(?![\s\S]*\n[ \t]*\n)/);
  turns[u]!.content = cut > 0 ? `${user.slice(0, cut)}\n\n${question}` : question;
  turns[a]!.content = answer;
  const out = format.fromDraft({ ...draft, turns } as never);
  return out instanceof RecordIssue ? undefined : (out as Record<string, unknown>);
}

/**
 * Judge each record of a dataset (`prep-data curate`): records whose pair meets `minScore` on every criterion are
 * kept as they are (with `repair`, a corrected record replaces one below), the others are findings (`judge-score`,
 * `judge-error`, `judge-parse`, `no-document`, `no-question`, `no-answer`); in input order whatever the concurrency.
 */
export async function* curate(records: AsyncIterable<DatasetRecord | Finding>, o: CurateOptions): AsyncGenerator<Curated> {
  const calls = new ModelCalls(o.stats, o);
  const judge = new PairJudge(calls, { ...o, repairer: o.judge }, (o.stats.judge ??= newJudgeStats()));
  const t = (s: string | undefined) => (s === undefined ? undefined : new Template(s));
  const docT = t(o.fields?.document);
  const qT = t(o.fields?.question ?? "{question}");
  const aT = t(o.fields?.answer ?? "{assistant}");
  const work = async (r: DatasetRecord | Finding): Promise<Curated[]> => {
    if (r.type === "finding") return [r];
    const origin: Origin = { source: r.source, line: r.line };
    const values = keyValues(r.value);
    const field = (tpl: Template | undefined, name: string, fallback?: () => string | undefined): string | Finding => {
      const x = tpl ? tpl.render(values) : undefined;
      const text = x && "text" in x ? x.text : !tpl ? fallback?.() : undefined;
      if (text === undefined || !text.trim()) return { ...finding(`no-${name}`, `no ${name} in the record${x && "missing" in x ? ` (no "${x.missing}" for --${name})` : name === "document" ? " (the last user turn has one paragraph and there is no system prompt): give --document" : ""}`, origin), raw: r.value };
      return text;
    };
    const document = field(docT, "document", () => defaultDocument(values));
    if (typeof document !== "string") return [document];
    const question = field(qT, "question");
    if (typeof question !== "string") return [question];
    const answer = field(aT, "answer");
    if (typeof answer !== "string") return [answer];
    const v = await judge.verify(document, { question, answer }, origin);
    if (v === "stopped") return [];
    if (!v.kept) return [{ ...v.finding, raw: { record: r.value, ...(v.finding.raw as object) } }];
    let value = r.value;
    if (v.repairedFrom) {
      const fixed = o.fields?.question || o.fields?.answer ? undefined : withPair(r.value, v.pair.question, v.pair.answer);
      if (!fixed) return [{ ...finding("judge-score", `scored ${v.repairedFrom.verdict.score}; a repaired pair was judged good but cannot be written back into this record (custom --question/--answer)`, origin), raw: r.value }];
      value = fixed;
    }
    return [{ type: "kept", value, source: r.source, line: r.line, meta: { ...verdictMeta(v.verdict), ...(v.repairedFrom ? { repaired_from: { question: v.repairedFrom.question, answer: v.repairedFrom.answer, ...verdictMeta(v.repairedFrom.verdict) } } : {}) } }];
  };
  try {
    for await (const items of mapOrdered(records, Math.max(1, o.concurrency ?? 8), work, () => calls.stopNow())) {
      if (calls.fatal) throw calls.fatal;
      yield* items;
    }
    if (calls.fatal) throw calls.fatal;
  } finally {
    calls.close();
  }
}

/**
 * `prep-data curate` as a library call: the records of `files` judged, the kept ones written to `output` as they
 * were (or repaired), their verdicts to `metadata`, the others to `rejects`; committed together.
 */
export async function curateFiles(files: string[], o: OperationOptions & CurateOptions): Promise<OperationResult> {
  const { readRecords } = await import("../ops/ops.js");
  return runOperation("curate", files, o, [], async ({ main, others, counts, reject }) => {
    const meta = others.get("--metadata");
    for await (const r of curate(readRecords(files), o)) {
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
}

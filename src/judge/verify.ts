import { finding, type Finding, type Origin } from "../record.js";
import type { ModelCalls } from "../synth/calls.js";
import { parseReply, type Pair } from "../synth/parse.js";
import type { Teacher } from "../synth/teacher.js";
import { Template } from "../transforms/template.js";
import { DEFAULT_REPAIR, DEFAULT_RUBRIC, parseVerdict, renderPrompt, type Verdict } from "./rubric.js";

export interface VerifyOptions {
  /** The judge model (synth: default the teacher itself). */
  judge: Teacher;
  /** The rubric prompt ({document}, {question}, {answer}); default {@link DEFAULT_RUBRIC}. */
  rubric?: string;
  /** Every criterion must reach this (1–5) for a pair to be kept (default 3). */
  minScore?: number;
  /** Ask once for a corrected pair when a pair falls below, and judge the correction. */
  repair?: boolean;
  /** Who writes the correction (synth: the teacher; curate: the judge). */
  repairer?: Teacher;
  repairPrompt?: string;
  /** The judge's sampling temperature (default 0: the same pair gets the same verdict). */
  temperature?: number;
  maxOutputTokens?: number;
}

export interface JudgeStats {
  /** Pairs judged (a repaired pair's second verdict not counted again). */
  judged: number;
  /** Pairs that met --min-score at once. */
  passed: number;
  /** Pairs below --min-score (kept after repair or refused). */
  below: number;
  /** Pairs below whose correction met --min-score. */
  repaired: number;
  /** Pairs whose verdict could not be had (judge-error, judge-parse). */
  failed: number;
  /** Each criterion's scores: count by score 1–5 (index 0 unused), over first verdicts. */
  histogram: Record<string, number[]>;
}

export function newJudgeStats(): JudgeStats {
  return { judged: 0, passed: 0, below: 0, repaired: 0, failed: 0, histogram: {} };
}

export type VerifyResult = { kept: true; pair: Pair; verdict: Verdict; repairedFrom?: { question: string; answer: string; verdict: Verdict } } | { kept: false; finding: Finding } | "stopped";

/** What --metadata records of a verdict. */
export function verdictMeta(v: Verdict): Record<string, unknown> {
  return { judge_scores: v.scores, judge_score: v.score, judge_reason: v.reason };
}

/**
 * Judges pairs against their documents on a rubric, through the run's {@link ModelCalls} (the same cache, limits,
 * retries and account as the teacher's calls, so an interrupted run asks no judge twice). A pair below `minScore`
 * is refused as `judge-score` with the verdict (or, with `repair`, corrected once and judged again); a judge call that
 * failed for good is `judge-error`, a reply that is not a verdict `judge-parse`: an unchecked pair is never written
 * as checked.
 */
export class PairJudge {
  private readonly rubric: Template;
  private readonly repairTpl: Template;
  readonly minScore: number;

  constructor(
    private readonly calls: ModelCalls,
    private readonly o: VerifyOptions,
    readonly stats: JudgeStats = newJudgeStats(),
  ) {
    this.rubric = new Template(o.rubric ?? DEFAULT_RUBRIC);
    this.repairTpl = new Template(o.repairPrompt ?? DEFAULT_REPAIR);
    this.minScore = o.minScore ?? 3;
  }

  /** One verdict, or the finding that says why there is none. */
  async judge(document: string, pair: Pair, origin: Origin): Promise<Verdict | Finding | "stopped"> {
    const prompt = renderPrompt(this.rubric, { document, question: pair.question, answer: pair.answer });
    const reply = await this.calls.ask(this.o.judge, { prompt, temperature: this.o.temperature ?? 0, maxOutputTokens: this.o.maxOutputTokens });
    if (reply === "stopped") return reply;
    if ("type" in reply) return { ...reply, reason: "judge-error", message: `${this.o.judge.id}: ${reply.message}`, origin, raw: { question: pair.question, answer: pair.answer } };
    const v = parseVerdict(reply.text);
    if ("error" in v) return { ...finding("judge-parse", `${v.error} (${this.o.judge.id})`, origin), raw: { question: pair.question, answer: pair.answer, reply: reply.text } };
    return v;
  }

  async verify(document: string, pair: Pair, origin: Origin): Promise<VerifyResult> {
    const s = this.stats;
    const v = await this.judge(document, pair, origin);
    if (v === "stopped") return v;
    if ("type" in v) {
      s.failed++;
      return { kept: false, finding: v };
    }
    s.judged++;
    for (const [c, n] of Object.entries(v.scores)) (s.histogram[c] ??= [0, 0, 0, 0, 0, 0])[n]!++;
    if (v.score >= this.minScore) {
      s.passed++;
      return { kept: true, pair, verdict: v };
    }
    s.below++;
    const refuse = (extra: Record<string, unknown> = {}, why = ""): VerifyResult => ({
      kept: false,
      finding: { ...finding("judge-score", `scored ${v.score} (${fmt(v)}), below --min-score ${this.minScore}: ${v.reason}${why}`, origin), raw: { question: pair.question, answer: pair.answer, ...verdictMeta(v), ...extra } },
    });
    if (!this.o.repair) return refuse();
    const repairer = this.o.repairer ?? this.o.judge;
    const reply = await this.calls.ask(repairer, { prompt: renderPrompt(this.repairTpl, { document, question: pair.question, answer: pair.answer, reason: v.reason }) });
    if (reply === "stopped") return reply;
    if ("type" in reply) return refuse({}, `; the repair request failed: ${reply.message}`);
    const fixed = parseReply(reply.text).pairs[0];
    if (!fixed) return refuse({ repair_reply: reply.text }, "; the repair reply held no usable pair");
    const v2 = await this.judge(document, fixed, origin);
    if (v2 === "stopped") return v2;
    if ("type" in v2) return refuse({ repaired: { question: fixed.question, answer: fixed.answer } }, `; the repaired pair could not be judged: ${v2.message}`);
    if (v2.score < this.minScore) return refuse({ repaired: { question: fixed.question, answer: fixed.answer, ...verdictMeta(v2) } }, `; repaired, it scored ${v2.score} (${fmt(v2)}): ${v2.reason}`);
    s.repaired++;
    return { kept: true, pair: { question: fixed.question, answer: fixed.answer, ...(pair.topic ? { topic: pair.topic } : {}), ...(fixed.reasoning ? { reasoning: fixed.reasoning } : {}) }, verdict: v2, repairedFrom: { question: pair.question, answer: pair.answer, verdict: v } };
  }
}

const fmt = (v: Verdict) => Object.entries(v.scores).map(([k, n]) => `${k} ${n}`).join(", ");

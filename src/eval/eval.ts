import { PrepError, type Finding } from "../record.js";
import { ModelCalls, type CallOptions, type CallStats } from "../synth/calls.js";
import { mapOrdered } from "../synth/synth.js";
import type { Teacher } from "../synth/teacher.js";
import { Template } from "../transforms/template.js";
import { CorpusBleu, exactMatch, rougeScores, sentenceBleu, tokenF1, wilson } from "./metrics.js";
import { combine, DEFAULT_PAIRWISE, pairwisePrompt, parsePreference, type Preference } from "./pairwise.js";
import type { EvalPrompt } from "./prompts.js";

/** A model under evaluation: its short name (A, base, tuned…) and the client that calls it. */
export interface EvalModel {
  name: string;
  model: Teacher;
}

export interface EvalOptions extends CallOptions {
  models: EvalModel[];
  /** The pairwise judge; without one, only the reference metrics. */
  judge?: Teacher;
  judgePrompt?: string;
  /** The evaluated models' sampling temperature (default 0: greedy, the same reply on a re-run). */
  temperature?: number;
  maxOutputTokens?: number;
  concurrency?: number;
  stats: CallStats;
}

export interface Metrics {
  exact_match: number;
  f1: number;
  rouge1: number;
  rouge2: number;
  rougeL: number;
  bleu: number;
}

/** One pair's judging of one prompt: the verdict in each order and the outcome. */
export interface PairJudgement {
  /** The verdicts with the first model shown first, then with the second shown first ("A", "B" or "tie" as shown). */
  verdicts: [Preference, Preference];
  winner: string | "tie" | "inconsistent";
}

/** One line of eval's output: a prompt, every model's reply, its metrics and the judge's verdicts. */
export interface EvalResult {
  type: "result";
  source: string;
  line: number;
  category?: string;
  prompt: string;
  reference?: string;
  responses: Record<string, string | null>;
  errors?: Record<string, string>;
  metrics?: Record<string, Metrics>;
  judge?: Record<string, PairJudgement | { error: string }>;
}

export const pairName = (x: string, y: string) => `${x} vs ${y}`;

/**
 * Run each model on every prompt (each reply cached: a re-run asks nothing twice), score replies against the
 * reference where there is one, and with a judge compare each pair of models on each prompt in both orders. Results
 * come in input order whatever the concurrency. A model call that fails for good is that prompt's `errors` entry
 * (the prompt is still written, its other models scored); bad credentials end the run.
 */
export async function* evaluate(prompts: AsyncIterable<EvalPrompt | Finding>, o: EvalOptions): AsyncGenerator<EvalResult | Finding> {
  if (o.models.length < 1) throw new PrepError("eval needs at least one --model NAME=SPEC", 2);
  const calls = new ModelCalls(o.stats, o);
  const judgeTpl = new Template(o.judgePrompt ?? DEFAULT_PAIRWISE);
  const work = async (p: EvalPrompt | Finding): Promise<EvalResult | Finding | undefined> => {
    if (p.type === "finding") return p;
    const responses: Record<string, string | null> = {};
    const errors: Record<string, string> = {};
    for (const m of o.models) {
      const r = await calls.ask(m.model, { system: p.system, history: p.history.length ? p.history : undefined, prompt: p.prompt, temperature: o.temperature ?? 0, maxOutputTokens: o.maxOutputTokens });
      if (r === "stopped") return undefined;
      if ("type" in r) {
        responses[m.name] = null;
        errors[m.name] = `${m.model.id}: ${r.message}`;
      } else responses[m.name] = r.text;
    }
    const result: EvalResult = { type: "result", source: p.source, line: p.line, ...(p.category !== undefined ? { category: p.category } : {}), prompt: p.prompt, ...(p.reference !== undefined ? { reference: p.reference } : {}), responses, ...(Object.keys(errors).length ? { errors } : {}) };
    if (p.reference !== undefined) {
      result.metrics = {};
      for (const m of o.models) {
        const text = responses[m.name];
        if (typeof text !== "string") continue;
        result.metrics[m.name] = { exact_match: exactMatch(text, p.reference), f1: tokenF1(text, p.reference), ...rougeScores(text, p.reference), bleu: sentenceBleu(text, p.reference) };
      }
    }
    if (o.judge && o.models.length > 1) {
      result.judge = {};
      for (let i = 0; i < o.models.length; i++) {
        for (let j = i + 1; j < o.models.length; j++) {
          const x = o.models[i]!;
          const y = o.models[j]!;
          const key = pairName(x.name, y.name);
          const ax = responses[x.name];
          const ay = responses[y.name];
          if (typeof ax !== "string" || typeof ay !== "string") continue;
          const verdicts: Preference[] = [];
          for (const [first, second] of [[ax, ay], [ay, ax]] as const) {
            const r = await calls.ask(o.judge, { prompt: pairwisePrompt(judgeTpl, p.prompt, first, second, p.reference), temperature: 0 });
            if (r === "stopped") return undefined;
            if ("type" in r) {
              result.judge[key] = { error: `${o.judge.id}: ${r.message}` };
              break;
            }
            const v = parsePreference(r.text);
            if (typeof v !== "string") {
              result.judge[key] = { error: `${v.error} (${o.judge.id})` };
              break;
            }
            verdicts.push(v);
          }
          if (verdicts.length < 2) continue;
          const c = combine(verdicts[0]!, verdicts[1]!);
          result.judge[key] = { verdicts: [verdicts[0]!, verdicts[1]!], winner: c === "x" ? x.name : c === "y" ? y.name : c };
        }
      }
    }
    return result;
  };
  try {
    for await (const r of mapOrdered(prompts, Math.max(1, o.concurrency ?? 8), work, () => calls.stopNow())) {
      if (calls.fatal) throw calls.fatal;
      if (r) yield r;
    }
    if (calls.fatal) throw calls.fatal;
  } finally {
    calls.close();
  }
}

export interface ModelSummary {
  prompts: number;
  failed: number;
  /** Prompts with a reference and a reply: the metrics' denominator. */
  scored: number;
  /** Means over the scored prompts (BLEU: sacreBLEU's corpus BLEU over them). */
  metrics?: Metrics;
}

export interface PairSummary {
  wins: Record<string, number>;
  ties: number;
  /** Prompts where the two orders disagreed (counted apart from the ties). */
  inconsistent: number;
  /** Prompts the judge gave no verdict for. */
  failed: number;
  /** Win rate of the first model over the decided prompts (ties and inconsistent excluded), with its 95 % Wilson interval. */
  winRate?: { model: string; rate: number; ci95: [number, number]; decided: number };
}

export interface EvalSummary {
  prompts: number;
  models: Record<string, ModelSummary>;
  pairs: Record<string, PairSummary>;
}

/** The running totals of an evaluation: per model and per pair, in constant memory. */
export class EvalTotals {
  private prompts = 0;
  private readonly models: Record<string, { prompts: number; failed: number; scored: number; sums: Omit<Metrics, "bleu">; bleu: CorpusBleu }> = {};
  private readonly pairs: Record<string, { x: string; y: string; wins: Record<string, number>; ties: number; inconsistent: number; failed: number }> = {};

  constructor(names: string[]) {
    for (const n of names) this.models[n] = { prompts: 0, failed: 0, scored: 0, sums: { exact_match: 0, f1: 0, rouge1: 0, rouge2: 0, rougeL: 0 }, bleu: new CorpusBleu() };
    for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) this.pairs[pairName(names[i]!, names[j]!)] = { x: names[i]!, y: names[j]!, wins: { [names[i]!]: 0, [names[j]!]: 0 }, ties: 0, inconsistent: 0, failed: 0 };
  }

  add(r: EvalResult): void {
    this.prompts++;
    for (const [name, m] of Object.entries(this.models)) {
      m.prompts++;
      const text = r.responses[name];
      if (typeof text !== "string") {
        m.failed++;
        continue;
      }
      const s = r.metrics?.[name];
      if (s && r.reference !== undefined) {
        m.scored++;
        for (const k of ["exact_match", "f1", "rouge1", "rouge2", "rougeL"] as const) m.sums[k] += s[k];
        m.bleu.add(text, [r.reference]);
      }
    }
    for (const [key, p] of Object.entries(this.pairs)) {
      const j = r.judge?.[key];
      if (!j) continue;
      if ("error" in j) p.failed++;
      else if (j.winner === "tie") p.ties++;
      else if (j.winner === "inconsistent") p.inconsistent++;
      else p.wins[j.winner] = (p.wins[j.winner] ?? 0) + 1;
    }
  }

  summary(): EvalSummary {
    const models: Record<string, ModelSummary> = {};
    for (const [name, m] of Object.entries(this.models)) {
      const mean = (k: keyof Omit<Metrics, "bleu">) => m.sums[k] / m.scored;
      models[name] = { prompts: m.prompts, failed: m.failed, scored: m.scored, ...(m.scored ? { metrics: { exact_match: mean("exact_match"), f1: mean("f1"), rouge1: mean("rouge1"), rouge2: mean("rouge2"), rougeL: mean("rougeL"), bleu: m.bleu.score().bleu } } : {}) };
    }
    const pairs: Record<string, PairSummary> = {};
    for (const [key, p] of Object.entries(this.pairs)) {
      const decided = p.wins[p.x]! + p.wins[p.y]!;
      pairs[key] = { wins: p.wins, ties: p.ties, inconsistent: p.inconsistent, failed: p.failed, ...(decided ? { winRate: { model: p.x, rate: p.wins[p.x]! / decided, ci95: wilson(p.wins[p.x]!, decided), decided } } : {}) };
    }
    return { prompts: this.prompts, models, pairs };
  }
}

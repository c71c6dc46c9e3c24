import type { Command } from "commander";
import { basename, dirname, join } from "node:path";
import { PrepError } from "../record.js";
import type { CallOptions, CallStats } from "../synth/calls.js";
import { durationArg, intArg } from "./options.js";

/** The options of every command that calls models (synth, curate, eval): one meaning each. */
export interface CallCli {
  concurrency: number;
  retries: number;
  requestTimeout: number;
  cache?: string | false;
  maxRequests?: number;
  maxTokens?: number;
  priceIn?: number;
  priceOut?: number;
}

export const numberArg = (name: string, min: number, max = Infinity) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new PrepError(`${name} must be a number from ${min}${max < Infinity ? ` to ${max}` : ""}`, 2);
  return n;
};

/** Add the call options; `what` names the replies cached, `suffix` the default cache's name beside the output. */
export function addCallOptions(c: Command, what: string, suffix: string): Command {
  return c
    .option("--concurrency <n>", "requests in flight at most; output order is input order", intArg("--concurrency", 1), 8)
    .option("--retries <n>", "retries of throttling, 5xx, timeouts and dropped connections per request", intArg("--retries"), 5)
    .option("--request-timeout <time>", "one attempt's deadline, request sent to reply complete: seconds or 30s/10m/1h; a reply not done by then is retried", durationArg, 600)
    .option("--cache <file>", `${what} replies kept here so a re-run sends no answered request (default: OUTPUT.${suffix} beside the output)`)
    .option("--no-cache", "keep no reply cache")
    .option("--max-requests <n>", "stop cleanly after this many requests", intArg("--max-requests", 1))
    .option("--max-tokens <n>", "stop cleanly once the replies' input + output tokens reach this", intArg("--max-tokens", 1))
    .option("--price-in <usd>", "price per 1,000 input tokens, for the cost in the summary", numberArg("--price-in", 0))
    .option("--price-out <usd>", "price per 1,000 output tokens", numberArg("--price-out", 0));
}

/** The cache's path: --cache, else `OUTPUT.<suffix>` beside the output (none for stdout or --no-cache). */
export function cachePathOf(o: CallCli, output: string, suffix: string): string | undefined {
  if (o.cache === false) return undefined;
  return o.cache ?? (output === "-" ? undefined : join(dirname(output), `${basename(output).replace(/\.jsonl$/, "")}.${suffix}`));
}

/** The ModelCalls options the call options give. */
export function callOptions(o: CallCli): Omit<CallOptions, "cache"> {
  return { retries: o.retries, requestTimeoutMs: o.requestTimeout * 1000, backoffMs: Number(process.env.PREP_DATA_TEACHER_BACKOFF_MS ?? 1000), maxRequests: o.maxRequests, maxTokens: o.maxTokens };
}

/** The run's cost in USD when prices were given. */
export function costOf(stats: CallStats, o: CallCli): number | undefined {
  return o.priceIn !== undefined || o.priceOut !== undefined ? (stats.inputTokens / 1000) * (o.priceIn ?? 0) + (stats.outputTokens / 1000) * (o.priceOut ?? 0) : undefined;
}

/** "N requests (C from cache, R retries), I input + O output tokens, cost $X" */
export function callsText(stats: CallStats, o: CallCli): string {
  const cost = costOf(stats, o);
  return `${stats.requests} requests (${stats.cached} from cache, ${stats.retries} retries), ${stats.inputTokens.toLocaleString("en-US")} input + ${stats.outputTokens.toLocaleString("en-US")} output tokens${cost !== undefined ? `, cost $${cost.toFixed(4)}` : ""}`;
}

/** The judge's closing line (synth --verify, curate). */
export function judgeLine(spec: string, j: import("../judge/verify.js").JudgeStats, unit: string, minScore: number, repair?: boolean): string {
  return `judge (${spec}): ${j.judged} ${unit} judged: ${j.passed} met --min-score ${minScore}, ${j.below} below${repair ? ` (${j.repaired} repaired and kept)` : ""}${j.failed ? `, ${j.failed} without a verdict` : ""}; scores ${Object.entries(j.histogram).map(([c, h]) => `${c} ${h.slice(1).join("/")}`).join(", ")} (counts of 1/2/3/4/5)`;
}

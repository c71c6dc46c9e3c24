import { readFile } from "node:fs/promises";
import { checkRecord, getFormat } from "../formats/index.js";
import type { RftRecord } from "../formats/rft.js";
import { finding, PrepError, type Finding } from "../record.js";
import { GraderProcess, graderEntry } from "./run.js";

/** Where the samples carry the reference answer: the docs disagree (see templates.ts), so both by default. */
export type PayloadShape = "both" | "top-level" | "metadata";

export interface GraderTestOptions {
  /** The RFT records (JSONL). */
  records: string;
  /** The model answers to grade: JSONL of `{"id"?, "response"}` or JSON strings; default: each record's reference answer. */
  responses?: string;
  /** Samples per event (Bedrock sends batches). */
  batchSize?: number;
  /** Per batch, as Lambda's timeout would be. */
  timeoutMs?: number;
  payload?: PayloadShape;
  env?: NodeJS.ProcessEnv;
  onResult?: (r: SampleResult) => void | Promise<void>;
}

export interface SampleResult {
  id: string;
  /** The record's line in --records, and the response's line in --responses. */
  recordLine: number;
  responseLine?: number;
  score?: number;
  metrics?: { name: string; value: number; type: string }[];
  /** Why the grader's answer for this sample is unusable. */
  problem?: string;
}

export interface GraderReport {
  samples: number;
  scored: number;
  malformed: number;
  findings: Finding[];
  scores: { mean: number; min: number; max: number; p10: number; p50: number; p90: number; histogram: { from: number; to: number; count: number }[] } | undefined;
  /** Per metric name: mean value and how many samples had it. */
  metrics: Record<string, { type: string; mean: number; count: number }>;
  batches: number;
  slowestBatchMs: number;
  /** With no --responses: the reference answers graded as answers, whose mean should be the top score. */
  referenceAsAnswer: boolean;
  logs: string[];
}

interface Sample {
  event: Record<string, unknown>;
  recordLine: number;
  responseLine?: number;
}

async function jsonLines(path: string, what: string): Promise<{ line: number; value: unknown }[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new PrepError(`${what} ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, 2);
  }
  const out: { line: number; value: unknown }[] = [];
  text.split("\n").forEach((l, i) => {
    if (l.trim() === "") return;
    try {
      out.push({ line: i + 1, value: JSON.parse(l) });
    } catch (e) {
      throw new PrepError(`${path}:${i + 1}: not JSON (${(e as Error).message.split("\n")[0]})`, 2);
    }
  });
  return out;
}

/** The samples Bedrock would send: each record's messages with the answer appended, its id and reference answer. */
async function samplesOf(o: GraderTestOptions): Promise<Sample[]> {
  const rft = getFormat("rft");
  const records: { line: number; record: RftRecord }[] = [];
  for (const { line, value } of await jsonLines(o.records, "--records")) {
    const c = checkRecord(rft, value);
    if (!c.ok) throw new PrepError(`${o.records}:${line}: not an rft record: ${c.issues[0]!.message} (prep-data validate ${o.records} --format rft lists every problem)`, 2);
    records.push({ line, record: c.record as RftRecord });
  }
  if (!records.length) throw new PrepError(`${o.records}: no records`, 2);
  const byId = new Map(records.filter((r) => r.record.id !== undefined).map((r) => [r.record.id!, r]));
  const answers: { rec: (typeof records)[number]; text: string; line?: number }[] = [];
  if (o.responses === undefined) {
    for (const r of records) answers.push({ rec: r, text: typeof r.record.reference_answer === "string" ? r.record.reference_answer : JSON.stringify(r.record.reference_answer) });
  } else {
    const resp = await jsonLines(o.responses, "--responses");
    resp.forEach(({ line, value }, i) => {
      const v = value as { id?: unknown; response?: unknown };
      const text = typeof value === "string" ? value : typeof v?.response === "string" ? v.response : undefined;
      if (text === undefined) throw new PrepError(`${o.responses}:${line}: expected {"id"?, "response": "…"} or a JSON string`, 2);
      let rec = records[i];
      if (v && typeof v === "object" && v.id !== undefined) {
        rec = byId.get(String(v.id));
        if (!rec) throw new PrepError(`${o.responses}:${line}: id ${JSON.stringify(v.id)} is not a record's id in ${o.records}`, 2);
      } else if (resp.length !== records.length) {
        throw new PrepError(`${o.responses} has ${resp.length} responses for ${records.length} records: give each response the id of its record, or one response per record in order`, 2);
      }
      answers.push({ rec: rec!, text, line });
    });
  }
  const seen = new Map<string, number>();
  const payload = o.payload ?? "both";
  return answers.map(({ rec, text, line }) => {
    const base = rec.record.id ?? `line-${rec.line}`;
    const k = seen.get(base) ?? 0;
    seen.set(base, k + 1);
    const { id: _id, messages, reference_answer, tools: _tools, ...extra } = rec.record;
    const event: Record<string, unknown> = { id: k ? `${base}#${k}` : base, messages: [...messages, { role: "assistant", content: text }] };
    if (payload !== "metadata") event.reference_answer = reference_answer;
    if (payload !== "top-level") event.metadata = { reference_answer, ...extra };
    return { event, recordLine: rec.line, responseLine: line };
  });
}

/** What is wrong with one returned item, or undefined. */
function itemProblem(item: unknown): string | undefined {
  if (!item || typeof item !== "object" || Array.isArray(item)) return `an item is ${Array.isArray(item) ? "a list" : item === null ? "null" : typeof item}, not {"id", "aggregate_reward_score"}`;
  const it = item as Record<string, unknown>;
  if (typeof it.aggregate_reward_score !== "number" || !Number.isFinite(it.aggregate_reward_score)) return `aggregate_reward_score is ${it.aggregate_reward_score === undefined ? "missing" : JSON.stringify(it.aggregate_reward_score)}, not a finite number`;
  if (it.metrics_list !== undefined) {
    if (!Array.isArray(it.metrics_list)) return "metrics_list is not a list";
    for (const m of it.metrics_list as Record<string, unknown>[]) {
      if (!m || typeof m.name !== "string" || typeof m.value !== "number" || !Number.isFinite(m.value)) return `metrics_list has ${JSON.stringify(m)}: each needs "name" (text) and a finite "value"`;
      if (m.type !== undefined && m.type !== "Reward" && m.type !== "Metric") return `metrics_list ${m.name}: type ${JSON.stringify(m.type)} is not "Reward" or "Metric"`;
    }
  }
  return undefined;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Run a grader over sample answers as Bedrock would call it, and check every return: one item per sample, the ids
 * sent, a finite aggregate_reward_score, well-formed metrics. Distribution of scores and metrics, slowest batch.
 */
export async function testGrader(grader: string, o: GraderTestOptions): Promise<GraderReport> {
  const entry = graderEntry(grader);
  const samples = await samplesOf(o);
  const proc = new GraderProcess(entry, o.env);
  await proc.start();
  const size = o.batchSize ?? 8;
  const findings: Finding[] = [];
  const scores: number[] = [];
  const metrics: GraderReport["metrics"] = {};
  let slowest = 0;
  let batches = 0;
  const note = (s: Sample, problem: string) => findings.push(finding("grader-output", `sample ${String(s.event.id)}: ${problem}`, { source: o.responses ?? o.records, line: s.responseLine ?? s.recordLine }));
  try {
    for (let at = 0; at < samples.length; at += size) {
      const batch = samples.slice(at, at + size);
      batches++;
      const out = await proc.call(batch.map((s) => s.event), o.timeoutMs ?? 60_000);
      const results: SampleResult[] = batch.map((s) => ({ id: String(s.event.id), recordLine: s.recordLine, ...(s.responseLine !== undefined ? { responseLine: s.responseLine } : {}) }));
      const fail = (problem: string) => results.forEach((r) => (r.problem = problem));
      if ("timeout" in out) fail(`the batch of ${batch.length} did not answer within ${out.timeout / 1000} s`);
      else if ("error" in out) fail(`the handler threw: ${out.error}`);
      else {
        slowest = Math.max(slowest, out.ms);
        const got = out.result;
        if (!Array.isArray(got)) fail(`the handler returned ${got === null ? "nothing" : typeof got}, not a list with one item per sample`);
        else {
          const byId = new Map<string, unknown>();
          for (const item of got) {
            const id = item && typeof item === "object" ? (item as { id?: unknown }).id : undefined;
            if (id === undefined) continue;
            if (byId.has(String(id))) {
              const r = results.find((x) => x.id === String(id));
              if (r) r.problem = `the handler returned id ${JSON.stringify(id)} twice`;
            }
            byId.set(String(id), item);
          }
          const unknown = got.filter((i) => i && typeof i === "object" && (i as { id?: unknown }).id !== undefined && !results.some((r) => r.id === String((i as { id: unknown }).id)));
          if (unknown.length) findings.push(finding("grader-output", `the handler returned ${unknown.length} item(s) with ids it was not sent (${JSON.stringify((unknown[0] as { id: unknown }).id)}…)`, { source: o.records }));
          for (const r of results) {
            if (r.problem) continue;
            const item = byId.get(r.id);
            if (item === undefined) {
              r.problem = got.some((i) => !i || typeof i !== "object" || (i as { id?: unknown }).id === undefined) ? "the handler's items lack an id (each item needs the id of its sample)" : "no item with this sample's id";
              continue;
            }
            const p = itemProblem(item);
            if (p) r.problem = p;
            else {
              const it = item as { aggregate_reward_score: number; metrics_list?: { name: string; value: number; type?: string }[] };
              r.score = it.aggregate_reward_score;
              r.metrics = it.metrics_list?.map((m) => ({ name: m.name, value: m.value, type: m.type ?? "Metric" }));
            }
          }
        }
      }
      for (const r of results) {
        if (r.problem) note(batch.find((s) => String(s.event.id) === r.id)!, r.problem);
        else {
          scores.push(r.score!);
          for (const m of r.metrics ?? []) {
            const x = (metrics[m.name] ??= { type: m.type, mean: 0, count: 0 });
            x.mean += (m.value - x.mean) / ++x.count;
          }
        }
        await o.onResult?.(r);
      }
    }
  } finally {
    proc.stop();
  }
  const sorted = [...scores].sort((a, b) => a - b);
  let dist: GraderReport["scores"];
  if (sorted.length) {
    const min = sorted[0]!;
    const max = sorted[sorted.length - 1]!;
    const lo = Math.min(0, min);
    const hi = Math.max(1, max);
    const bins = 10;
    const histogram = Array.from({ length: bins }, (_, i) => ({ from: lo + ((hi - lo) * i) / bins, to: lo + ((hi - lo) * (i + 1)) / bins, count: 0 }));
    for (const s of sorted) histogram[Math.min(bins - 1, Math.floor(((s - lo) / (hi - lo || 1)) * bins))]!.count++;
    dist = { mean: sorted.reduce((a, b) => a + b, 0) / sorted.length, min, max, p10: quantile(sorted, 0.1), p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), histogram };
  }
  const malformed = samples.length - scores.length;
  return { samples: samples.length, scored: scores.length, malformed, findings, scores: dist, metrics, batches, slowestBatchMs: slowest, referenceAsAnswer: o.responses === undefined, logs: proc.logs.slice(-10) };
}

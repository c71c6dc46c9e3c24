import { getFormat, type FormatName } from "../formats/index.js";
import type { Finding } from "../record.js";
import { readRecords } from "../ops/ops.js";
import { prng } from "../ops/ops.js";
import { draftTexts, RecordChecker } from "../validate/checker.js";
import { detectFormat } from "../validate/detect.js";
import { RecordHashes, normalisedDigest } from "../validate/hashset.js";
import { TokenTally, type TokenStats } from "../validate/stats.js";
import { EvalTotals, type EvalResult, type EvalSummary } from "../eval/eval.js";

/** A finding reason's count and its first examples, each with the record as it was. */
export interface FindingSummary {
  reason: string;
  severity: "error" | "warning";
  count: number;
  examples: { source: string; line?: number; message: string; record?: unknown }[];
}

/** What the report shows of one or more files: from one pass, in memory that does not grow with the records' text. */
export interface ReportData {
  files: string[];
  format?: string;
  model?: { id: string; name: string };
  tokenizer: { name: string; exact: boolean };
  lines: number;
  records: number;
  /** Records that pass every check (format and, with a model, its rules). */
  valid: number;
  duplicates: number;
  /** The first 20 groups of exact duplicates (validate's digest): the first record's place, its copies' (first 5), the record. */
  duplicateClusters: { first: { source: string; line: number }; copies: { source: string; line: number }[]; count: number; record: Record<string, unknown> }[];
  /** Tokens per valid record, as validate --stats and stats count them (input + output). */
  tokens?: TokenStats;
  /** Tokens per record of every record whose texts could be read (what the chart shows, over-limit ones included). */
  allTokens?: TokenStats;
  /** Tokens per record by role: system / user / assistant (chat), prompt / completion, or text. */
  roles: Record<string, TokenStats>;
  turns?: TokenStats;
  chars?: TokenStats;
  /** The model's per-record token limit and how many records are over it. */
  limit?: { tokens: number; what: string; over: number };
  trainingTokens?: { perEpoch: number; epochs: number; total: number };
  findings: FindingSummary[];
  /** A seeded sample of records, in file order. */
  sample: { source: string; line: number; record: Record<string, unknown> }[];
  seed: number;
  /** For eval output: the same summary as eval's --report. */
  eval?: EvalSummary;
  /** For synth output with its --metadata: origin, judge scores and topics. */
  synth?: { kinds: Record<string, number>; judgeScores: number[]; topics: [string, number][]; styles: Record<string, number> };
}

export interface ReportOptions {
  model?: string;
  batchSize?: number;
  tokenizer?: string;
  /** Records shown as a reader sees them (default 20), picked with `seed` (default 0). */
  sample?: number;
  seed?: number;
  /** Examples kept per finding reason (default 5). */
  maxExamples?: number;
  /** synth's --metadata of the same file: origin, judge scores, topics. */
  metadata?: string;
  epochs?: number;
}

/**
 * A record's texts by role (chat: system, user, assistant; instruction: prompt, completion; else text) and the input
 * and output texts its token limits and statistics count, both from one draft.
 */
function recordParts(format: FormatName, record: Record<string, unknown>): { roles: Record<string, string>; input: string; output: string; turns?: number } | undefined {
  let draft: ReturnType<ReturnType<typeof getFormat>["toDraft"]>;
  try {
    draft = getFormat(format).toDraft(record as never);
  } catch {
    return undefined;
  }
  const texts = draftTexts(draft);
  if (draft.kind !== "chat") return { roles: { text: draft.text }, ...texts };
  const roles: Record<string, string> = {};
  if (draft.system !== undefined) roles.system = draft.system;
  for (const t of draft.turns) roles[t.role] = roles[t.role] === undefined ? t.content : `${roles[t.role]}\n${t.content}`;
  if (format === "instruction") return { roles: { prompt: roles.user ?? "", completion: roles.assistant ?? "" }, ...texts };
  return { roles, ...texts, turns: draft.turns.length };
}

/**
 * One pass over the files: formats, per-record and per-role token counts (a count per value, for exact quantiles), a
 * seeded reservoir of records, findings by reason with their first examples, duplicates by digest. Eval output is
 * summarised as eval does; synth output with its --metadata by origin, judge score and topic.
 */
export async function collectReport(files: string[], o: ReportOptions = {}): Promise<ReportData> {
  const checker = await RecordChecker.create({ model: o.model, batchSize: o.batchSize, tokenizer: o.tokenizer });
  const counter = checker.counter;
  const maxExamples = o.maxExamples ?? 5;
  const seed = o.seed ?? 0;
  const sampleSize = o.sample ?? 20;
  const rand = prng(seed);
  const sample: ReportData["sample"] = [];
  let seen = 0;
  const findings = new Map<string, FindingSummary>();
  const note = (f: Finding, record?: unknown) => {
    const s = findings.get(f.reason) ?? { reason: f.reason, severity: f.severity, count: 0, examples: [] };
    findings.set(f.reason, s);
    if (f.severity === "error") s.severity = "error";
    s.count++;
    if (s.examples.length < maxExamples) s.examples.push({ source: f.origin.source, ...(f.origin.line !== undefined ? { line: f.origin.line } : {}), message: f.message, ...(record !== undefined ? { record } : f.raw !== undefined ? { record: f.raw } : {}) });
  };
  const tokens = new TokenTally();
  const allTokens = new TokenTally();
  const chars = new TokenTally();
  const turns = new TokenTally();
  const roles = new Map<string, TokenTally>();
  const hashes = new RecordHashes();
  let duplicates = 0;
  // Where each record was, for duplicate clusters: runs of records on consecutive lines of a file, each as its first
  // ordinal and line − ordinal (a new run starts at each file and after each line that is not a record).
  const runs: { from: number; source: string; delta: number }[] = [];
  const clusters = new Map<number, ReportData["duplicateClusters"][number]>();
  const placeOf = (ordinal: number) => {
    let lo = 0;
    let hi = runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (runs[mid]!.from <= ordinal) lo = mid;
      else hi = mid - 1;
    }
    return { source: runs[lo]!.source, line: ordinal + runs[lo]!.delta };
  };
  let lines = 0;
  let records = 0;
  let valid = 0;
  let format: FormatName | undefined;
  let evalTotals: EvalTotals | undefined;
  let over = 0;
  let limit: ReportData["limit"];
  for await (const r of readRecords(files, { blankLines: "finding" })) {
    lines++;
    if (r.type === "finding") {
      note(r);
      continue;
    }
    records++;
    const run = runs[runs.length - 1];
    if (run?.source !== r.source || run.delta !== r.line - records) runs.push({ from: records, source: r.source, delta: r.line - records });
    const origin = { source: r.source, line: r.line };
    // Eval output: a line per prompt with the models' responses.
    if (r.value.responses && typeof r.value.responses === "object" && typeof r.value.prompt === "string") {
      if (!evalTotals) evalTotals = new EvalTotals(Object.keys(r.value.responses as object));
      evalTotals.add({ type: "result", ...(r.value as object) } as EvalResult);
      valid++;
      continue;
    }
    const f = detectFormat(r.value, checker.formats);
    if (!f) {
      note({ type: "finding", reason: "format", message: "not a record of a format prep-data writes", origin, severity: "error" }, r.value);
      continue;
    }
    format ??= f;
    // Reservoir sample (Algorithm R), seeded: the same records for the same seed.
    seen++;
    if (sample.length < sampleSize) sample.push({ source: r.source, line: r.line, record: r.value });
    else {
      const j = Math.floor(rand() * seen);
      if (j < sampleSize) sample[j] = { source: r.source, line: r.line, record: r.value };
    }
    const [hi, lo] = normalisedDigest(r.text ?? JSON.stringify(r.value));
    const earlier = hashes.add(hi, lo, records);
    if (earlier !== undefined) {
      duplicates++;
      const c = clusters.get(earlier);
      if (c) {
        c.count++;
        if (c.copies.length < 5) c.copies.push({ source: r.source, line: r.line });
      } else if (clusters.size < 20) clusters.set(earlier, { first: placeOf(earlier), copies: [{ source: r.source, line: r.line }], count: 1, record: r.value });
    }
    const own = checker.check(r.value, f, origin);
    for (const x of own) note(x, r.value);
    const ok = !own.some((x) => x.severity === "error");
    if (ok) valid++;
    const parts = recordParts(f, r.value);
    if (!parts) continue;
    // Each text counted once: a role's text that is the whole input or output (the prompt, the completion, the
    // assistant turns, the user turns without a system prompt) takes that count (the hot path of a report).
    const input = counter.count(parts.input);
    const output = parts.output ? counter.count(parts.output) : 0;
    const n = input + output;
    allTokens.add(n);
    if (ok) tokens.add(n);
    chars.add(parts.input.length + parts.output.length);
    for (const [role, text] of Object.entries(parts.roles)) {
      let t = roles.get(role);
      if (!t) roles.set(role, (t = new TokenTally()));
      t.add(text === parts.input ? input : text === parts.output ? output : counter.count(text));
    }
    if (parts.turns !== undefined) turns.add(parts.turns);
    if (checker.profile && limit === undefined) {
      const plan = checker.plan(f);
      const total = "limits" in plan ? plan.limits.find((l) => l.what === "total") ?? plan.limits[0] : undefined;
      limit = total ? { tokens: total.tokens, what: total.what, over: 0 } : undefined;
    }
    if (limit && n > limit.tokens) over++;
  }
  if (limit) limit.over = over;
  // The file's own bounds as validate checks them (record counts, file size), the files read as one training set.
  if (checker.profile && format) {
    const plan = checker.plan(format);
    const task = "type" in plan ? undefined : plan.task;
    if (task) {
      const { trainingFileBounds } = await import("../validate/validate.js");
      const { statSync } = await import("node:fs");
      const bytes = files.reduce((a, f) => a + (f === "-" || f.startsWith("s3://") ? 0 : (statSync(f, { throwIfNoEntry: false })?.size ?? 0)), 0);
      trainingFileBounds(checker.profile.tasks[task], { path: files.join(", "), valid, lines, records, bytes }, (x) => note(x));
    }
  }
  const tokenStats = tokens.stats(40);
  const epochs = o.epochs ?? checker.profile?.hyperparameters.value.epochCount?.default ?? 1;
  const data: ReportData = {
    files,
    ...(format ? { format } : {}),
    ...(checker.profile ? { model: { id: checker.profile.id, name: checker.profile.name } } : {}),
    tokenizer: { name: counter.name, exact: counter.exact },
    lines,
    records,
    valid,
    duplicates,
    duplicateClusters: [...clusters.values()],
    ...(tokenStats ? { tokens: tokenStats, trainingTokens: { perEpoch: tokenStats.total, epochs, total: tokenStats.total * epochs } } : {}),
    ...(allTokens.count ? { allTokens: allTokens.stats(40) } : {}),
    roles: Object.fromEntries([...roles].map(([k, t]) => [k, t.stats(30)!])),
    ...(turns.count ? { turns: turns.stats(20) } : {}),
    ...(chars.count ? { chars: chars.stats(30) } : {}),
    ...(limit ? { limit } : {}),
    findings: [...findings.values()].sort((a, b) => (a.severity === b.severity ? b.count - a.count : a.severity === "error" ? -1 : 1)),
    sample: sample.sort((a, b) => (a.source === b.source ? a.line - b.line : files.indexOf(a.source) - files.indexOf(b.source))),
    seed,
    ...(evalTotals ? { eval: evalTotals.summary() } : {}),
  };
  if (o.metadata) data.synth = await synthMetadata(o.metadata);
  return data;
}

/** synth's --metadata: records by origin (original / synthetic), judge scores, the 20 most frequent topics, styles. */
async function synthMetadata(path: string): Promise<NonNullable<ReportData["synth"]>> {
  const kinds: Record<string, number> = {};
  const scores = [0, 0, 0, 0, 0, 0];
  const topics = new Map<string, number>();
  const styles: Record<string, number> = {};
  for await (const r of readRecords([path])) {
    if (r.type === "finding") continue;
    const m = r.value as { kind?: string; judge_score?: number; topic?: string; style?: string };
    if (m.kind) kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
    if (typeof m.judge_score === "number" && m.judge_score >= 1 && m.judge_score <= 5) scores[m.judge_score]!++;
    if (typeof m.topic === "string" && (topics.has(m.topic) || topics.size < 10_000)) topics.set(m.topic, (topics.get(m.topic) ?? 0) + 1);
    if (m.style) styles[m.style] = (styles[m.style] ?? 0) + 1;
  }
  return { kinds, judgeScores: scores.slice(1), topics: [...topics].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 20), styles };
}

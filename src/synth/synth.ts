import { describeOrigin, finding, PrepError, type Finding, type Origin, type SourceItem } from "../record.js";
import { Template } from "../transforms/template.js";
import { ModelCalls, type CallOptions, type CallStats } from "./calls.js";
import { parseReply, type Pair } from "./parse.js";
import { QuestionIndex, questionSimilarity, QUESTION_SIMILARITY, varietyFor, type Persona } from "./questions.js";
import { newJudgeStats, PairJudge, verdictMeta, type JudgeStats, type VerifyOptions } from "../judge/verify.js";
import type { Teacher, TeacherReply, TeacherRequest } from "./teacher.js";

/** One reference document, with the original question and answer when the source has them. */
export interface SynthDocument {
  type: "document";
  document: string;
  question?: string;
  answer?: string;
  origin: Origin;
}

/**
 * The default generation prompt: N grounded pairs on distinct topics, as JSON lines. Placeholders are filled per
 * document: {document}, {question}, {answer}, {n}, and {example} / {different} (the original pair as an example,
 * empty without one); `{{` and `}}` are literal braces.
 */
export const DEFAULT_PROMPT = `You are an expert in the subject of the document below. Write {n} new question and answer pairs for training a smaller model to answer questions about such documents.

Rules:
- Every question must be answerable from the document alone, and every answer must be fully supported by it: no outside facts.
- The {n} pairs must be on {n} different topics of the document{different}.
- Write questions a real reader would ask, and complete answers in the document's own terms, in the same tone and style as the example.
- Do not refer to "the document" or "the text" in the questions.{variety}

Document:
{document}
{example}
Reply with exactly {n} lines and nothing else. Each line is one JSON object with the keys "question", "answer" and "topic", for example:
{{"question": "…", "answer": "…", "topic": "…"}}`;

/** The default prompt with a rationale per pair, for reasoning records (synth --reasoning, Nova 2 Lite). */
export const DEFAULT_REASONING_PROMPT = DEFAULT_PROMPT.replace(
  '- Do not refer to "the document" or "the text" in the questions.{variety}',
  '- Do not refer to "the document" or "the text" in the questions.{variety}\n- For each pair, "reasoning" is two or three sentences of the thinking that leads from the question to the answer, using only facts the document states.',
).replace('with the keys "question", "answer" and "topic", for example:\n{{"question": "…", "answer": "…", "topic": "…"}}', 'with the keys "question", "reasoning", "answer" and "topic", for example:\n{{"question": "…", "reasoning": "…", "answer": "…", "topic": "…"}}');

/** A run's counts: its calls (teacher and judge together: one account), documents and pairs. */
export interface SynthStats extends CallStats {
  documents: number;
  /** Documents whose request failed after its retries (or was refused). */
  failures: number;
  pairs: number;
  /** Documents not sent because the run stopped early. */
  notSent: number;
  /** Pairs refused as repeating another question of the run (duplicate-question). */
  repeats: number;
  /** With verify: the judge's counts. */
  judge?: JudgeStats;
}

export function newStats(): SynthStats {
  return { documents: 0, requests: 0, cached: 0, retries: 0, failures: 0, inputTokens: 0, outputTokens: 0, pairs: 0, notSent: 0, repeats: 0 };
}

/** What to generate; the call options (cache, retries, deadline, limits) are {@link CallOptions}. */
export interface SynthOptions extends CallOptions {
  teacher?: Teacher;
  /** Pairs asked for per document (default 3). */
  pairs?: number;
  /** The generation prompt, with {document}, {question}, {answer} and {n}; default {@link DEFAULT_PROMPT}. */
  prompt?: string;
  system?: string;
  temperature?: number;
  maxOutputTokens?: number;
  /** Requests in flight at most (default 8). Output order is input order whatever the value. */
  concurrency?: number;
  /** Also emit each document's original question and answer as a record. */
  includeOriginals?: boolean;
  /** Judge every pair against its document (synth --verify): below the bar refused as `judge-score`, or repaired. */
  verify?: Omit<VerifyOptions, "judge"> & { judge?: Teacher };
  /** Question similarity (Jaccard of word pairs) at which a question repeats another of its document or of the run. */
  questionSimilarity?: number;
  /** Question styles rotated over the documents (`{variety}` in the prompt); see STYLES. */
  styles?: string[];
  /** Audiences rotated over the documents (`{variety}` in the prompt). */
  personas?: Persona[];
  /** Replies read from a batch-inference job instead of live requests: the document's recordId → reply. */
  replies?: (recordId: string) => TeacherReply | { error: string } | undefined;
  onProgress?: (stats: SynthStats) => void;
  stats?: SynthStats;
}

/** The recordId of the i-th document (0-based) in batch files. */
export function recordId(i: number): string {
  return `DOC${String(i + 1).padStart(9, "0")}`;
}

/** The prompt for one document. */
export function promptFor(template: Template, doc: SynthDocument, n: number, variety = ""): string {
  const example = doc.question !== undefined && doc.answer !== undefined ? `\nExample question: ${doc.question}\nExample answer: ${doc.answer}\n` : "";
  const r = template.render({
    document: doc.document,
    question: doc.question ?? "",
    answer: doc.answer ?? "",
    n: String(n),
    example,
    different: doc.question !== undefined ? ", and different from the example question's" : "",
    variety: variety ? `\n- ${variety}` : "",
  });
  return "text" in r ? r.text : "";
}

/**
 * Results of `fn` over a source, at most `n` running at once, yielded in source order. A slow head does not stop the
 * others: up to 4 × n results wait, finished, for their turn.
 */
export async function* mapOrdered<T, R>(src: AsyncIterable<T>, n: number, fn: (t: T, i: number) => Promise<R>, stop?: () => boolean): AsyncGenerator<R> {
  const window: { done: boolean; p: Promise<R> }[] = [];
  let running = 0;
  let wake: (() => void) | undefined;
  const waitOne = () => new Promise<void>((r) => (wake = r));
  let i = 0;
  for await (const t of src) {
    if (stop?.()) break;
    while (running >= n || window.length >= 4 * n) {
      if (window[0]?.done) yield await window.shift()!.p;
      else await waitOne();
    }
    running++;
    const slot = { done: false, p: undefined as unknown as Promise<R> };
    slot.p = fn(t, i++).finally(() => {
      slot.done = true;
      running--;
      const w = wake;
      wake = undefined;
      w?.();
    });
    window.push(slot);
    while (window[0]?.done) yield await window.shift()!.p;
  }
  while (window.length) yield await window.shift()!.p;
}

/**
 * Synthetic question/answer rows from documents with a teacher model. Each document becomes its original pair
 * (with `includeOriginals`) and the teacher's pairs, as rows with `document`, `question`, `answer`, `topic` and
 * provenance (`kind`, `teacher`) in `origin.meta`; what cannot be used is a finding with its reason
 * (`teacher-parse`, `teacher-short`, `duplicate-question`, `teacher-error`). Bad credentials end the run at once
 * (a PrepError); every other failure is this document's finding and the run goes on.
 */
export async function* synthesize(docs: AsyncIterable<SynthDocument | Finding>, o: SynthOptions): AsyncGenerator<SourceItem> {
  const stats = o.stats ?? newStats();
  const n = o.pairs ?? 3;
  const template = new Template(o.prompt ?? DEFAULT_PROMPT);
  const concurrency = Math.max(1, o.concurrency ?? 8);
  const calls = new ModelCalls(stats, { retries: o.retries, backoffMs: o.backoffMs, requestTimeoutMs: o.requestTimeoutMs, cache: o.cache, maxRequests: o.maxRequests, maxTokens: o.maxTokens });
  const judgeModel = o.verify ? (o.verify.judge ?? o.teacher) : undefined;
  if (o.verify && !judgeModel) throw new PrepError("verifying pairs needs a judge model (or a teacher to judge with)", 2);
  const judge = o.verify ? new PairJudge(calls, { ...o.verify, judge: judgeModel!, repairer: o.verify.repairer ?? o.teacher ?? judgeModel }, (stats.judge ??= newJudgeStats())) : undefined;
  const similarity = o.questionSimilarity ?? QUESTION_SIMILARITY;
  const seenQuestions = new QuestionIndex(similarity);
  let docIndex = 0;

  /** The teacher's reply for a request: the cache, a batch job's output, or live with retries. */
  const ask = async (req: TeacherRequest, id: string): Promise<TeacherReply | Finding | "stopped"> => {
    if (o.replies) {
      const r = o.replies(id);
      if (!r) return finding("teacher-missing", `no reply for recordId ${id} in the batch output`, { source: "" });
      if ("error" in r) return finding("teacher-error", `the batch job failed this record: ${r.error}`, { source: "" });
      return r;
    }
    return calls.ask(o.teacher!, req);
  };

  const work = async (item: SynthDocument | Finding, i: number): Promise<SourceItem[]> => {
    if (item.type === "finding") return [item];
    const doc = item;
    stats.documents++;
    const out: SourceItem[] = [];
    const base = { document: doc.document };
    const meta = (kind: "original" | "synthetic", extra: Record<string, unknown> = {}) => ({ ...doc.origin, meta: { kind, ...(kind === "synthetic" && o.teacher ? { teacher: o.teacher.id } : {}), ...extra } });
    if (o.includeOriginals && doc.question !== undefined && doc.answer !== undefined) {
      out.push({ type: "row", values: { ...base, question: doc.question, answer: doc.answer, topic: null, reasoning: null }, origin: meta("original") });
    }
    const variety = varietyFor(i, o.styles ?? [], o.personas ?? []);
    const req: TeacherRequest = { system: o.system, prompt: promptFor(template, doc, n, variety.text), temperature: o.temperature, maxOutputTokens: o.maxOutputTokens };
    const reply = await ask(req, recordId(i));
    if (reply === "stopped") {
      stats.notSent++;
      return out;
    }
    if ("type" in reply) {
      stats.failures++;
      out.push({ ...reply, origin: doc.origin });
      return out;
    }
    if (!reply.text.isWellFormed()) {
      // A lone surrogate (a "\ud800" escape in the reply's JSON) has no UTF-8 form: refused, never written.
      out.push({ ...finding("encoding", "the teacher's reply holds a lone surrogate, which cannot be written as UTF-8", doc.origin), rows: n, raw: reply.text.toWellFormed() });
      return out;
    }
    const parsed = parseReply(reply.text);
    const kept: Pair[] = [];
    // Pairs past the N asked for are counted, not used, and not compared (a reply of 10,000 pairs compared each with
    // every other took minutes).
    let beyond = 0;
    for (const p of parsed.pairs) {
      if (kept.length >= n) {
        beyond++;
        continue;
      }
      // The same question as the original's or as another of this document's, by word pairs (not only verbatim).
      const asOriginal = doc.question !== undefined && questionSimilarity(p.question, doc.question) >= similarity;
      const asSibling = !asOriginal && kept.some((k) => questionSimilarity(p.question, k.question) >= similarity);
      if (asOriginal || asSibling) {
        stats.repeats++;
        out.push({ ...finding("duplicate-question", `the teacher's question repeats ${asOriginal ? "the original question" : "another of its questions"} for this document: ${JSON.stringify(p.question.slice(0, 80))}`, doc.origin), raw: reply.text });
        continue;
      }
      kept.push(p);
    }
    if (parsed.pairs.length === 0) {
      out.push({ ...finding("teacher-parse", `no question/answer pair could be read from the reply (${reply.text.length} characters${parsed.unusable ? `, ${parsed.unusable} object(s) without a question and an answer` : ""})`, doc.origin), rows: n, raw: reply.text });
    } else {
      if (parsed.unusable) {
        out.push({ ...finding("teacher-parse", `${parsed.unusable} object(s) in the reply have an empty or missing question or answer`, doc.origin), rows: parsed.unusable, raw: reply.text });
      }
      if (parsed.pairs.length < n) {
        // The pairs received are kept; the reply goes to --rejects once (with the teacher-parse finding when it has one).
        out.push({ ...finding("teacher-short", `the reply has ${parsed.pairs.length} usable pair${parsed.pairs.length === 1 ? "" : "s"}, ${n} were asked for`, doc.origin, "warning"), ...(parsed.unusable ? {} : { raw: reply.text }) });
      }
    }
    if (beyond > 0) {
      // More pairs than asked (a reply of 10,000 for --pairs 3): the first N are used, the rest counted, not written.
      out.push({ ...finding("teacher-long", `the reply has ${kept.length + beyond} usable pairs, ${n} were asked for: the first ${n} are used, ${beyond} are not`, doc.origin, "warning"), raw: reply.text });
    }
    for (const [j, p0] of kept.entries()) {
      let p = p0;
      let judged: Record<string, unknown> = {};
      if (judge) {
        const v = await judge.verify(doc.document, p, doc.origin);
        if (v === "stopped") break;
        if (!v.kept) {
          out.push(v.finding);
          continue;
        }
        p = v.pair;
        judged = { ...verdictMeta(v.verdict), ...(v.repairedFrom ? { repaired_from: { question: v.repairedFrom.question, answer: v.repairedFrom.answer, ...verdictMeta(v.repairedFrom.verdict) } } : {}) };
      }
      out.push({ type: "row", values: { ...base, question: p.question, answer: p.answer, topic: p.topic ?? null, reasoning: p.reasoning ?? null }, origin: meta("synthetic", { pair: j + 1, topic: p.topic, ...variety.meta, ...judged }) });
      stats.pairs++;
    }
    o.onProgress?.(stats);
    return out;
  };

  try {
    // An exception while one document is processed is a finding for that document; it never ends the run.
    const guarded = (d: SynthDocument, i: number): Promise<SourceItem[]> =>
      work(d, i).catch((e: unknown) => (e instanceof PrepError && e.exitCode !== 1 ? Promise.reject(e) : [finding("teacher-parse", `the reply could not be processed: ${(e as Error).message ?? String(e)}`, d.origin)]));
    for await (const items of mapOrdered(docs, concurrency, (d) => (d.type === "finding" ? Promise.resolve([d]) : guarded(d, docIndex++)), () => calls.stopNow())) {
      if (calls.fatal) throw calls.fatal;
      for (const item of items) {
        // A question that repeats one elsewhere in the run (in input order, so the same run refuses the same pairs
        // whatever the concurrency). Originals are indexed, never refused: they are the user's data.
        if (item.type === "row" && typeof item.values.question === "string") {
          const kind = (item.origin.meta as { kind?: string } | undefined)?.kind;
          const ref = `${describeOrigin(item.origin)}${kind === "synthetic" ? ` pair ${(item.origin.meta as { pair?: number }).pair}` : " (original)"}`;
          const earlier = seenQuestions.add(item.values.question, ref);
          if (earlier !== undefined && kind === "synthetic") {
            stats.repeats++;
            stats.pairs--;
            yield { ...finding("duplicate-question", `the teacher's question repeats the question of ${earlier}: ${JSON.stringify(item.values.question.slice(0, 80))}`, item.origin), raw: { question: item.values.question, answer: item.values.answer } };
            continue;
          }
        }
        yield item;
      }
    }
    if (calls.fatal) throw calls.fatal;
  } finally {
    calls.close();
  }
}

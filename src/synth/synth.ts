import { setMaxListeners } from "node:events";
import { finding, PrepError, type Finding, type Origin, type SourceItem } from "../record.js";
import { Template } from "../transforms/template.js";
import { ReplyCache, requestKey } from "./cache.js";
import { parseReply, questionKey, type Pair } from "./parse.js";
import { formatDuration } from "../duration.js";
import { TeacherError, type Teacher, type TeacherReply, type TeacherRequest } from "./teacher.js";

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
- Do not refer to "the document" or "the text" in the questions.

Document:
{document}
{example}
Reply with exactly {n} lines and nothing else. Each line is one JSON object with the keys "question", "answer" and "topic", for example:
{{"question": "…", "answer": "…", "topic": "…"}}`;

/** The default prompt with a rationale per pair, for reasoning records (synth --reasoning, Nova 2 Lite). */
export const DEFAULT_REASONING_PROMPT = DEFAULT_PROMPT.replace(
  '- Do not refer to "the document" or "the text" in the questions.',
  '- Do not refer to "the document" or "the text" in the questions.\n- For each pair, "reasoning" is two or three sentences of the thinking that leads from the question to the answer, using only facts the document states.',
).replace('with the keys "question", "answer" and "topic", for example:\n{{"question": "…", "answer": "…", "topic": "…"}}', 'with the keys "question", "reasoning", "answer" and "topic", for example:\n{{"question": "…", "reasoning": "…", "answer": "…", "topic": "…"}}');

export interface SynthStats {
  documents: number;
  requests: number;
  /** Replies taken from the cache (no request sent). */
  cached: number;
  retries: number;
  /** Documents whose request failed after its retries (or was refused). */
  failures: number;
  inputTokens: number;
  outputTokens: number;
  pairs: number;
  /** Set when --max-requests or --max-tokens ended the run early. */
  stoppedBy?: "max-requests" | "max-tokens";
  /** Documents not sent because the run stopped early. */
  notSent: number;
}

export function newStats(): SynthStats {
  return { documents: 0, requests: 0, cached: 0, retries: 0, failures: 0, inputTokens: 0, outputTokens: 0, pairs: 0, notSent: 0 };
}

export interface SynthOptions {
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
  /** Attempts after the first for throttling, 5xx, timeouts and dropped connections (default 5). */
  retries?: number;
  /** First backoff in ms, doubled each attempt, with jitter (default 1000); a server's Retry-After wins. */
  backoffMs?: number;
  /**
   * One attempt's deadline in ms, from sending the request to the reply's last byte (default 600,000): a reply not
   * complete by then is aborted and retried like a dropped connection. A teacher that sends its headers and then a
   * byte now and then held a run for ever without it.
   */
  requestTimeoutMs?: number;
  cache?: ReplyCache;
  maxRequests?: number;
  /** Stop once the replies' input + output tokens reach this. */
  maxTokens?: number;
  /** Also emit each document's original question and answer as a record. */
  includeOriginals?: boolean;
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
export function promptFor(template: Template, doc: SynthDocument, n: number): string {
  const example = doc.question !== undefined && doc.answer !== undefined ? `\nExample question: ${doc.question}\nExample answer: ${doc.answer}\n` : "";
  const r = template.render({
    document: doc.document,
    question: doc.question ?? "",
    answer: doc.answer ?? "",
    n: String(n),
    example,
    different: doc.question !== undefined ? ", and different from the example question's" : "",
  });
  return "text" in r ? r.text : "";
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      res();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

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
  const retries = o.retries ?? 5;
  const backoff = o.backoffMs ?? 1000;
  const requestTimeout = o.requestTimeoutMs ?? 600_000;
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per request in flight, removed when it ends
  let fatal: Error | undefined;
  let docIndex = 0;

  const stopNow = () => {
    if (fatal) return true;
    if (o.maxRequests !== undefined && stats.requests >= o.maxRequests) return (stats.stoppedBy ??= "max-requests"), true;
    if (o.maxTokens !== undefined && stats.inputTokens + stats.outputTokens >= o.maxTokens) return (stats.stoppedBy ??= "max-tokens"), true;
    return false;
  };

  /** The teacher's reply for a request: the cache, a batch job's output, or live with retries. */
  const ask = async (req: TeacherRequest, id: string): Promise<TeacherReply | Finding | "stopped"> => {
    if (o.replies) {
      const r = o.replies(id);
      if (!r) return finding("teacher-missing", `no reply for recordId ${id} in the batch output`, { source: "" });
      if ("error" in r) return finding("teacher-error", `the batch job failed this record: ${r.error}`, { source: "" });
      return r;
    }
    const teacher = o.teacher!;
    const key = requestKey(teacher.id, req);
    const hit = o.cache?.get(key);
    if (hit) {
      stats.cached++;
      return hit;
    }
    for (let attempt = 0; ; attempt++) {
      if (stopNow()) return "stopped";
      stats.requests++;
      // A signal of its own per request, tied to the run's: clients leave their listeners on the signal they get.
      const ctl = new AbortController();
      const cancel = () => ctl.abort();
      abort.signal.addEventListener("abort", cancel, { once: true });
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        ctl.abort();
      }, requestTimeout);
      try {
        const r = await teacher.generate(req, ctl.signal);
        stats.inputTokens += r.inputTokens;
        stats.outputTokens += r.outputTokens;
        try {
          o.cache?.put(key, r);
        } catch (e) {
          // Not a teacher error: the reply came and could not be kept. The run stops rather than pay again later.
          fatal ??= e instanceof PrepError ? e : new PrepError(String(e), 3);
          abort.abort();
          return "stopped";
        }
        return r;
      } catch (e) {
        const err = timedOut
          ? new TeacherError(`no complete reply within ${formatDuration(requestTimeout)} (--request-timeout)`, "retry")
          : e instanceof TeacherError
            ? e
            : new TeacherError((e as Error).message, "document");
        if (err.kind === "fatal") {
          fatal ??= new PrepError(`${teacher.id}: ${err.message.split("\n")[0]} (check the credentials, region and endpoint)`);
          abort.abort();
          return "stopped";
        }
        if (err.kind === "retry" && attempt < retries) {
          stats.retries++;
          // Exponential backoff with jitter always; a server's Retry-After is a floor (Retry-After: 0 never means
          // "retry at once": six attempts within milliseconds lost documents to a throttling server).
          const wait = Math.max(err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : 0, backoff * 2 ** attempt * (0.5 + Math.random() * 0.5));
          await sleep(Math.min(wait, 60_000), abort.signal);
          continue;
        }
        return finding("teacher-error", `${err.message.split("\n")[0]}${err.kind === "retry" ? ` (after ${attempt + 1} attempts)` : ""}`, { source: "" });
      } finally {
        clearTimeout(deadline);
        abort.signal.removeEventListener("abort", cancel);
      }
    }
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
    const req: TeacherRequest = { system: o.system, prompt: promptFor(template, doc, n), temperature: o.temperature, maxOutputTokens: o.maxOutputTokens };
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
    const keys = new Set<string>(doc.question !== undefined ? [questionKey(doc.question)] : []);
    const kept: Pair[] = [];
    for (const p of parsed.pairs) {
      const k = questionKey(p.question);
      if (keys.has(k)) {
        out.push({ ...finding("duplicate-question", `the teacher's question repeats ${doc.question !== undefined && k === questionKey(doc.question) ? "the original question" : "another of its questions"} for this document: ${JSON.stringify(p.question.slice(0, 80))}`, doc.origin), raw: reply.text });
        continue;
      }
      keys.add(k);
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
    if (kept.length > n) {
      // More pairs than asked (a reply of 10,000 for --pairs 3): the first N are used, the rest counted, not written.
      out.push({ ...finding("teacher-long", `the reply has ${kept.length} usable pairs, ${n} were asked for: the first ${n} are used, ${kept.length - n} are not`, doc.origin, "warning"), raw: reply.text });
      kept.length = n;
    }
    kept.forEach((p, j) => out.push({ type: "row", values: { ...base, question: p.question, answer: p.answer, topic: p.topic ?? null, reasoning: p.reasoning ?? null }, origin: meta("synthetic", { pair: j + 1, topic: p.topic }) }));
    stats.pairs += kept.length;
    o.onProgress?.(stats);
    return out;
  };

  try {
    // An exception while one document is processed is a finding for that document; it never ends the run.
    const guarded = (d: SynthDocument, i: number): Promise<SourceItem[]> =>
      work(d, i).catch((e: unknown) => (e instanceof PrepError && e.exitCode !== 1 ? Promise.reject(e) : [finding("teacher-parse", `the reply could not be processed: ${(e as Error).message ?? String(e)}`, d.origin)]));
    for await (const items of mapOrdered(docs, concurrency, (d) => (d.type === "finding" ? Promise.resolve([d]) : guarded(d, docIndex++)), stopNow)) {
      if (fatal) throw fatal;
      yield* items;
    }
    if (fatal) throw fatal;
  } finally {
    abort.abort();
  }
}

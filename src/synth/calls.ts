import { setMaxListeners } from "node:events";
import { finding, PrepError, type Finding } from "../record.js";
import { formatDuration } from "../duration.js";
import type { ReplyCache } from "./cache.js";
import { requestKey } from "./cache.js";
import { TeacherError, type Teacher, type TeacherReply, type TeacherRequest } from "./teacher.js";

/** What a run's model calls cost: every call (teacher, judge, evaluated model) is counted here. */
export interface CallStats {
  requests: number;
  /** Replies taken from the cache (no request sent). */
  cached: number;
  retries: number;
  inputTokens: number;
  outputTokens: number;
  /** Set when --max-requests or --max-tokens ended the run early. */
  stoppedBy?: "max-requests" | "max-tokens";
}

export interface CallOptions {
  /** Attempts after the first for throttling, 5xx, timeouts and dropped connections (default 5). */
  retries?: number;
  /** First backoff in ms, doubled each attempt, with jitter (default 1000); a server's Retry-After is a floor. */
  backoffMs?: number;
  /**
   * One attempt's deadline in ms, from sending the request to the reply's last byte (default 600,000): a reply not
   * complete by then is aborted and retried like a dropped connection (a server that sends its headers and then a
   * byte now and then held a run for ever without it).
   */
  requestTimeoutMs?: number;
  cache?: ReplyCache;
  maxRequests?: number;
  /** Stop once the replies' input + output tokens reach this. */
  maxTokens?: number;
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
 * The calls of one run to its models (teacher, judge, the models under evaluation), with one cache, one set of
 * limits and one account: a reply in the cache is never asked again, throttling and transient failures are retried
 * with exponential backoff and jitter, `--max-requests`/`--max-tokens` stop every caller cleanly, and bad
 * credentials end the run (`fatal`, every request in flight aborted).
 */
export class ModelCalls {
  /** The error that ends the run (bad credentials, a reply that could not be cached), once there is one. */
  fatal: PrepError | undefined;
  private readonly abort = new AbortController();
  private readonly retries: number;
  private readonly backoff: number;
  private readonly timeout: number;

  constructor(
    readonly stats: CallStats,
    private readonly o: CallOptions = {},
  ) {
    this.retries = o.retries ?? 5;
    this.backoff = o.backoffMs ?? 1000;
    this.timeout = o.requestTimeoutMs ?? 600_000;
    setMaxListeners(0, this.abort.signal); // one listener per request in flight, removed when it ends
  }

  /** Whether the run must send no more requests (a limit reached or a fatal error). */
  stopNow(): boolean {
    const { stats, o } = this;
    if (this.fatal) return true;
    if (o.maxRequests !== undefined && stats.requests >= o.maxRequests) return (stats.stoppedBy ??= "max-requests"), true;
    if (o.maxTokens !== undefined && stats.inputTokens + stats.outputTokens >= o.maxTokens) return (stats.stoppedBy ??= "max-tokens"), true;
    return false;
  }

  /** Abort every request in flight; the run is over. */
  close(): void {
    this.abort.abort();
  }

  /**
   * A model's reply to a request: from the cache, or sent with retries. A failure for good is a `teacher-error`
   * finding (its `reason` renamed by the caller for judges and evaluated models); "stopped" when a limit or a fatal
   * error ended the run first.
   */
  async ask(model: Teacher, req: TeacherRequest): Promise<TeacherReply | Finding | "stopped"> {
    const { stats } = this;
    const key = requestKey(model.id, req);
    const hit = this.o.cache?.get(key);
    if (hit) {
      stats.cached++;
      return hit;
    }
    for (let attempt = 0; ; attempt++) {
      if (this.stopNow()) return "stopped";
      stats.requests++;
      // A signal of its own per request, tied to the run's: clients leave their listeners on the signal they get.
      const ctl = new AbortController();
      const cancel = () => ctl.abort();
      this.abort.signal.addEventListener("abort", cancel, { once: true });
      let timedOut = false;
      const deadline = setTimeout(() => {
        timedOut = true;
        ctl.abort();
      }, this.timeout);
      try {
        const r = await model.generate(req, ctl.signal);
        stats.inputTokens += r.inputTokens;
        stats.outputTokens += r.outputTokens;
        try {
          this.o.cache?.put(key, r);
        } catch (e) {
          // Not a model error: the reply came and could not be kept. The run stops rather than pay again later.
          this.fatal ??= e instanceof PrepError ? e : new PrepError(String(e), 3);
          this.abort.abort();
          return "stopped";
        }
        return r;
      } catch (e) {
        const err = timedOut
          ? new TeacherError(`no complete reply within ${formatDuration(this.timeout)} (--request-timeout)`, "retry")
          : e instanceof TeacherError
            ? e
            : new TeacherError((e as Error).message, "document");
        if (err.kind === "fatal") {
          this.fatal ??= new PrepError(`${model.id}: ${err.message.split("\n")[0]} (check the credentials, region and endpoint)`);
          this.abort.abort();
          return "stopped";
        }
        if (err.kind === "retry" && attempt < this.retries) {
          stats.retries++;
          // Exponential backoff with jitter always; a server's Retry-After is a floor (Retry-After: 0 never means
          // "retry at once": six attempts within milliseconds lost documents to a throttling server).
          const wait = Math.max(err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : 0, this.backoff * 2 ** attempt * (0.5 + Math.random() * 0.5));
          await sleep(Math.min(wait, 60_000), this.abort.signal);
          continue;
        }
        return finding("teacher-error", `${err.message.split("\n")[0]}${err.kind === "retry" ? ` (after ${attempt + 1} attempts)` : ""}`, { source: "" });
      } finally {
        clearTimeout(deadline);
        this.abort.signal.removeEventListener("abort", cancel);
      }
    }
  }
}

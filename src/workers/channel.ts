import type { Transferable, Worker } from "node:worker_threads";
import { PrepError } from "../record.js";

/** Why a worker thread can no longer answer: it ran out of memory, failed, or ended (the run fails: exit 3). */
export class WorkerGone extends PrepError {
  constructor(
    message: string,
    /** Over its heap ceiling (ERR_WORKER_OUT_OF_MEMORY): a bound, not a fault of the input's format. */
    readonly memory: boolean,
  ) {
    super(message, 3);
    this.name = "WorkerGone";
  }
}

/**
 * Requests to one worker thread, each answered once by a reply that names it (`keyOf`). The worker pools (validate's
 * checkers, dedup's parser, pdf.js's page readers) share it for what they must all get right: a thread that dies
 * (out of memory, an uncaught error, an exit) rejects every request waiting on it and every later one at once with
 * why, so no caller waits on a thread that will never answer. Replies that name no waiting request (other messages
 * of the protocol) go to `other`.
 */
export class WorkerChannel<Reply> {
  private readonly waiting = new Map<string | number, { resolve: (r: Reply) => void; reject: (e: WorkerGone) => void }>();
  private ended = false;
  /** Set once the thread can no longer answer. */
  gone: WorkerGone | undefined;

  constructor(
    readonly worker: Worker,
    keyOf: (reply: Reply) => string | number | undefined,
    opts: { what: string; heapMb?: number; other?: (reply: Reply) => void } = { what: "worker thread" },
  ) {
    worker.on("message", (r: Reply) => {
      const key = keyOf(r);
      const w = key === undefined ? undefined : this.waiting.get(key);
      if (!w) return opts.other?.(r);
      this.waiting.delete(key!);
      w.resolve(r);
    });
    worker.on("error", (e: Error & { code?: string }) => {
      const memory = e.code === "ERR_WORKER_OUT_OF_MEMORY";
      this.fail(new WorkerGone(memory ? `the ${opts.what} ran out of memory${opts.heapMb ? ` (its heap ceiling is ${opts.heapMb.toLocaleString("en-US")} MB)` : ""}` : `the ${opts.what} failed: ${e.message}`, memory));
    });
    worker.on("exit", (code) => this.fail(new WorkerGone(this.ended ? `the ${opts.what} was ended` : `the ${opts.what} ended (exit code ${code}) before it answered`, false)));
  }

  /** Send `message` and wait for the reply keyed `key`. */
  ask(key: string | number, message: unknown, transfer?: readonly Transferable[]): Promise<Reply> {
    if (this.gone) return Promise.reject(this.gone);
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(key, { resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  /** Send without waiting for a reply (nothing is sent to a thread that is gone). */
  tell(message: unknown): void {
    if (!this.gone) this.worker.postMessage(message);
  }

  /** End the thread; what still waits is rejected. */
  async end(): Promise<void> {
    this.ended = true;
    await this.worker.terminate();
  }

  private fail(e: WorkerGone): void {
    this.gone ??= e;
    for (const w of this.waiting.values()) w.reject(this.gone);
    this.waiting.clear();
  }
}

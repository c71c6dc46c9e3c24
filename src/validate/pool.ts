import { workerScript } from "../worker-script.js";
import { Worker } from "node:worker_threads";
import type { RawBatch } from "../sources/lines.js";
import { batchChecker, scanBatch, type BatchResult, type BatchSetup } from "./batch.js";
import { LineDigester } from "./hashset.js";
import type { ValidateReply, ValidateRequest } from "./worker.js";

/**
 * Checks batches of lines, in this thread or in worker threads; results come back in submission order. Either
 * way this thread finds the lines and their digests (WebAssembly, one pass), so workers only parse and check.
 */
export interface BatchRunner {
  submit(batch: RawBatch, rejects: boolean): Promise<BatchResult>;
  end(): Promise<void>;
}

export async function inProcessRunner(setup: BatchSetup): Promise<BatchRunner> {
  const check = await batchChecker(setup);
  const digester = new LineDigester();
  return { submit: async (batch, rejects) => check(batch, scanBatch(digester, batch), rejects), end: async () => undefined };
}


/** `jobs` worker threads checking batches whose bytes sit in SharedArrayBuffers (posted by reference). */
export async function workerRunner(setup: BatchSetup, jobs: number): Promise<BatchRunner> {
  let nextId = 0;
  const digester = new LineDigester();
  const waiting = new Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>();
  const workers = await Promise.all(
    Array.from({ length: jobs }, async () => {
      // A 16 MB young generation: the same speed as the default with ~15 MB less resident per worker.
      const w = new Worker(workerScript("validate/worker.js", import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 16 } });
      const slot = { w, inflight: 0 };
      await new Promise<void>((resolve, reject) => {
        w.once("message", (r: ValidateReply) => (r.type === "ready" ? resolve() : reject(new Error(r.type === "setup-error" ? r.message : "worker failed to start"))));
        w.once("error", reject);
        w.postMessage({ type: "setup", setup } satisfies ValidateRequest);
      });
      w.on("message", (r: ValidateReply) => {
        if (r.type !== "batch" && r.type !== "batch-error") return;
        slot.inflight--;
        const p = waiting.get(r.id)!;
        waiting.delete(r.id);
        if (r.type === "batch") p.resolve(r.result);
        else p.reject(new Error(r.message));
      });
      w.on("error", (e: Error) => {
        for (const p of waiting.values()) p.reject(e);
        waiting.clear();
      });
      return slot;
    }),
  );
  return {
    submit(batch, rejects) {
      const info = scanBatch(digester, batch);
      const slot = workers.reduce((a, b) => (b.inflight < a.inflight ? b : a));
      slot.inflight++;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        slot.w.postMessage({ type: "batch", id, batch: { bytes: batch.bytes, firstLine: batch.firstLine }, info, rejects } satisfies ValidateRequest, [info.buffer as ArrayBuffer]);
      });
    },
    end: async () => void (await Promise.all(workers.map((s) => s.w.terminate()))),
  };
}

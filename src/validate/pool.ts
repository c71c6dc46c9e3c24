import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { RawBatch } from "../sources/lines.js";
import { batchChecker, type BatchResult, type BatchSetup } from "./batch.js";
import type { ValidateReply, ValidateRequest } from "./worker.js";

/** Checks batches of lines, in this thread or in worker threads; results come back in submission order. */
export interface BatchRunner {
  submit(batch: RawBatch, rejects: boolean): Promise<BatchResult>;
  readonly width: number;
  end(): Promise<void>;
}

export async function inProcessRunner(setup: BatchSetup): Promise<BatchRunner> {
  const check = await batchChecker(setup);
  return { width: 1, submit: async (batch, rejects) => check(batch, rejects), end: async () => undefined };
}

function workerUrl(): URL {
  const here = new URL("./worker.js", import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : new URL("../../dist/validate/worker.js", import.meta.url);
}

export async function workerRunner(setup: BatchSetup, jobs: number): Promise<BatchRunner> {
  let nextId = 0;
  const waiting = new Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>();
  const workers = await Promise.all(
    Array.from({ length: jobs }, async () => {
      const w = new Worker(workerUrl());
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
    width: jobs * 2,
    submit(batch, rejects) {
      const slot = workers.reduce((a, b) => (b.inflight < a.inflight ? b : a));
      slot.inflight++;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        // The bytes are in a SharedArrayBuffer slot: posted by reference, not copied.
        slot.w.postMessage({ type: "batch", id, batch: { bytes: batch.bytes, firstLine: batch.firstLine }, rejects } satisfies ValidateRequest);
      });
    },
    end: async () => void (await Promise.all(workers.map((s) => s.w.terminate()))),
  };
}

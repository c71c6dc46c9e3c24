// A worker thread checking batches of JSONL lines for `validate`.
import { parentPort } from "node:worker_threads";
import type { RawBatch } from "../sources/lines.js";
import { batchChecker, type BatchCheck, type BatchResult, type BatchSetup } from "./batch.js";

export type ValidateRequest = { type: "setup"; setup: BatchSetup } | { type: "batch"; id: number; batch: RawBatch; info: Uint32Array; rejects: boolean };
export type ValidateReply = { type: "ready" } | { type: "setup-error"; message: string } | { type: "batch"; id: number; result: BatchResult } | { type: "batch-error"; id: number; message: string };

let check: BatchCheck | undefined;

parentPort!.on("message", async (m: ValidateRequest) => {
  if (m.type === "setup") {
    try {
      check = await batchChecker(m.setup);
      parentPort!.postMessage({ type: "ready" } satisfies ValidateReply);
    } catch (e) {
      parentPort!.postMessage({ type: "setup-error", message: (e as Error).message } satisfies ValidateReply);
    }
    return;
  }
  try {
    const result = check!(m.batch, m.info, m.rejects);
    parentPort!.postMessage({ type: "batch", id: m.id, result } satisfies ValidateReply, [result.meta.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ type: "batch-error", id: m.id, message: (e as Error).message } satisfies ValidateReply);
  }
});

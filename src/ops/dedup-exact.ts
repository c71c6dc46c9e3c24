import { statSync } from "node:fs";
import { workerScript } from "../worker-script.js";
import { Worker } from "node:worker_threads";
import type { Sink } from "../jsonl.js";
import type { Finding } from "../record.js";
import { SlotReader } from "../sources/slots.js";
import { LINE_FIELDS, scanBatch } from "../validate/batch.js";
import { LineDigester } from "../validate/hashset.js";
import { asLine } from "./line-record.js";
import type { ExactDuplicates } from "./ops.js";
import type { ParseReply, ParseRequest } from "./parse-worker.js";
import { WorkerChannel } from "../workers/channel.js";

/**
 * Exact dedup at the speed of reading: this thread reads whole-line batches into shared slots, finds each line and
 * its digest (validate's, in WebAssembly, over the bytes as read) and writes kept lines as read; a worker decodes and
 * parses every line (a line that is not a JSON object is refused as readRecords refuses it). Batches are settled in
 * order, so the records kept, the removals and the findings are those of the one-thread path, in the same order.
 */
export const WORKER_MIN_BYTES = 4 * 1024 * 1024;

/** Whether the inputs are worth a worker's start-up: local files of 4 MiB or more in all. */
export function worthWorker(files: string[]): boolean {
  let total = 0;
  for (const f of files) {
    if (f === "-" || f.startsWith("s3://")) return false;
    total += statSync(f, { throwIfNoEntry: false })?.size ?? 0;
  }
  return total >= WORKER_MIN_BYTES;
}


export interface ExactRun {
  main: Sink;
  rejects?: Sink;
  exact: ExactDuplicates;
  counts: { read: number; written: number };
  remove: (why: string) => void;
  reject: (f: Finding) => Promise<void>;
}

export async function dedupExactLines(files: string[], run: ExactRun): Promise<void> {
  const worker = new WorkerChannel<ParseReply & { error?: string }>(new Worker(workerScript("ops/parse-worker.js", import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 16 } }), (r) => r.id, { what: "dedup worker thread" });
  let nextId = 0;
  const width = 4;
  try {
    for (const source of files) {
      const reader = new SlotReader(width + 2, true);
      const digester = new LineDigester();
      const inflight: { slot: number; bytes: Buffer; firstLine: number; info: Uint32Array; reply: Promise<ParseReply> }[] = [];
      let offset = 0;
      const settle = async () => {
        const b = inflight.shift()!;
        const r = await b.reply;
        let k = 0;
        for (let i = 0; i < r.kinds.length; i++) {
          const kind = r.kinds[i]!;
          if (kind === 1) continue;
          run.counts.read++;
          if (kind === 2) {
            await run.reject(r.findings[k++]!);
            continue;
          }
          const o = i * LINE_FIELDS;
          const line = b.firstLine + i;
          const kept = run.exact.addDigest(b.info[o + 2]!, b.info[o + 3]!, `${source}:${line}`);
          const start = b.info[o]!;
          const end = b.info[o + 1]!;
          if (kept !== undefined) {
            run.remove("duplicate");
            if (run.rejects) await run.rejects.write({ source, line, reason: "duplicate", kept, record: JSON.parse(b.bytes.toString("utf8", start, end)) });
            continue;
          }
          // Written as read (asLine's rule: only whitespace around the object is dropped), as bytes when nothing is.
          if (b.bytes[start] === 123 && b.bytes[end - 1] === 125 && run.main.writeBytes) await run.main.writeBytes(b.bytes.subarray(start, end));
          else {
            const line = asLine(b.bytes.toString("utf8", start, end));
            await (run.main.writeText ? run.main.writeText(line) : run.main.write(JSON.parse(line)));
          }
          run.counts.written++;
        }
        reader.release(b.slot);
      };
      for await (const batch of reader.batches(source)) {
        if (offset === 0 && reader.bom) offset = 3;
        const info = scanBatch(digester, batch);
        const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
        const id = nextId++;
        const reply = worker.ask(id, { id, bytes: batch.bytes, firstLine: batch.firstLine, info, fields: LINE_FIELDS, source, offset } satisfies ParseRequest).then((r) => {
          if (r.error) throw new Error(r.error);
          return r;
        });
        reply.catch(() => undefined); // awaited in order by settle; a failure is thrown there
        offset += batch.bytes.byteLength;
        inflight.push({ slot: batch.slot, bytes, firstLine: batch.firstLine, info, reply });
        while (inflight.length > width) await settle();
      }
      while (inflight.length) await settle();
    }
  } finally {
    await worker.end();
  }
}

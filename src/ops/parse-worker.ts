// A worker thread telling, for dedup, which lines of a batch are records: each line decoded and parsed by the one
// rule the record operations share (line-record.ts), so this thread's reader only finds lines, digests and writes.
import { parentPort } from "node:worker_threads";
import type { Finding } from "../record.js";
import { firstInvalidUtf8 } from "../sources/encoding.js";
import { lineRecord } from "./line-record.js";

/** A batch: its bytes (a view of a shared slot), its first line, per line [start, end, …] (LINE_FIELDS a line). */
export interface ParseRequest {
  id: number;
  bytes: Uint8Array;
  firstLine: number;
  info: Uint32Array;
  fields: number;
  source: string;
  /** Byte offset of the batch in the file (for the byte of invalid UTF-8). */
  offset: number;
}

/** Per line: 0 a record, 1 a blank line (skipped), 2 refused (its finding next in `findings`). */
export interface ParseReply {
  id: number;
  kinds: Uint8Array;
  findings: Finding[];
}

/** The verdicts of a batch's lines (also used in-process for small inputs). */
export function parseBatch(m: ParseRequest): ParseReply {
  const buf = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
  const count = m.info.length / m.fields;
  const kinds = new Uint8Array(count);
  const findings: Finding[] = [];
  for (let i = 0; i < count; i++) {
    const start = m.info[i * m.fields]!;
    const end = m.info[i * m.fields + 1]!;
    // Bytes ≥ 0x80 (found by the digest): none means ASCII, which decodes as latin1 without UTF-8 validation.
    const high = m.info[i * m.fields + 5]!;
    const bad = high === 0 ? -1 : firstInvalidUtf8(buf, start, end);
    const text = buf.toString(high === 0 ? "latin1" : "utf8", start, end);
    const r = lineRecord(text, { source: m.source, line: m.firstLine + i }, bad >= 0 ? { at: bad - start, byte: m.offset + bad } : undefined);
    if (r === undefined) kinds[i] = 1;
    else if ("type" in r) {
      kinds[i] = 2;
      findings.push(r);
    }
  }
  return { id: m.id, kinds, findings };
}

parentPort?.on("message", (m: ParseRequest) => {
  try {
    parentPort!.postMessage(parseBatch(m));
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error).message });
  }
});

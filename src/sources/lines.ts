import { isUtf8 } from "node:buffer";
import type { Readable } from "node:stream";
import { firstInvalidUtf8 } from "./encoding.js";

export interface Line {
  /** 1-based line number. */
  n: number;
  text: string;
  /** Byte length of the line without its terminator. */
  bytes: number;
  /** The line's bytes (a view of the batch), when asked for. */
  raw?: Buffer;
  /** Where the line's first invalid UTF-8 sequence is: its offset in the line and in the file (when known). */
  invalid?: { at: number; byte?: number };
}

/**
 * Lines of a UTF-8 byte stream, in batches (one per input chunk) to keep per-line overhead low on big files.
 * Splits on `\n` only (a JSONL record may contain a raw `\r` or U+2028 inside a string); strips a trailing `\r`
 * and a leading byte-order mark. Only the current chunk and one partial line are held in memory.
 */
export async function* lineBatches(bytes: Readable, firstLine = 1, o: { raw?: boolean } = {}): AsyncGenerator<Line[]> {
  // Lines are split from a view of each chunk and counted as they are split: no copy of the chunk, no second scan.
  let carry: Buffer | undefined;
  let n = firstLine;
  let first = true;
  let offset = 0;
  for await (const chunk0 of bytes as AsyncIterable<Buffer>) {
    let chunk = carry ? Buffer.concat([carry, chunk0]) : chunk0;
    carry = undefined;
    if (first) {
      if (chunk.length < 3 && chunk[0] === 0xef) {
        carry = chunk; // too short to tell a byte-order mark yet
        continue;
      }
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        chunk = chunk.subarray(3);
        offset = 3;
      }
    }
    const last = chunk.lastIndexOf(10);
    if (last === -1) {
      carry = chunk;
      continue;
    }
    if (last + 1 < chunk.length) carry = chunk.subarray(last + 1);
    const lines = splitLines({ bytes: chunk.subarray(0, last + 1), firstLine: n, offset }, o.raw);
    n += lines.length;
    offset += last + 1;
    yield lines;
  }
  if (carry && carry.length) yield splitLines({ bytes: carry, firstLine: n, offset }, o.raw);
}

/** A run of whole lines as raw bytes (its own buffer, or a view of a reusable slot) and the number of its first line. */
export interface RawBatch {
  bytes: Uint8Array;
  firstLine: number;
  /** How many lines it holds, when the reader has counted them already. */
  lines?: number;
  /** Byte offset of the batch in the file, when the reader tracks it. */
  offset?: number;
}

/** The lines of a raw batch. */
export function splitLines(b: RawBatch, raw = false): Line[] {
  const buf = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
  const out: Line[] = [];
  let n = b.firstLine;
  let start = 0;
  // One check of the whole batch; lines are looked at one by one only when it holds invalid UTF-8.
  const clean = isUtf8(buf);
  while (start < buf.length) {
    let i = buf.indexOf(10, start);
    if (i === -1) i = buf.length;
    const end = i > start && buf[i - 1] === 13 ? i - 1 : i;
    const line: Line = { n: n++, text: buf.toString("utf8", start, end), bytes: end - start };
    if (raw) line.raw = buf.subarray(start, end);
    if (!clean) {
      const at = firstInvalidUtf8(buf, start, end);
      if (at >= 0) line.invalid = { at: at - start, ...(b.offset !== undefined ? { byte: b.offset + at } : {}) };
    }
    out.push(line);
    start = i + 1;
  }
  return out;
}

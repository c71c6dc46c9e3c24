import { getFormat, type FormatName } from "../formats/index.js";
import { mediaKinds, type ConversationRecord } from "../formats/conversation.js";
import { finding, type Finding, type Origin } from "../record.js";
import type { Line, RawBatch } from "../sources/lines.js";
import { firstInvalidUtf8, loneSurrogate } from "../sources/encoding.js";
import { invalidUtf8Finding, surrogateFinding } from "../sources/json.js";
import { RecordChecker } from "./checker.js";
import { detectFormat } from "./detect.js";
import { LineDigester } from "./hashset.js";
import { jsonErrorOffset } from "./json-position.js";

const VALIDATE_HINT = "Bedrock takes UTF-8 only (a file in another encoding: prep-data convert FILE --encoding latin1 -o FIXED.jsonl, or iconv)";

/** What checking a batch of lines needs to know: the same in this thread and in a worker. */
export interface BatchSetup {
  source: string;
  format: string;
  model?: string;
  batchSize?: number;
  tokenizer?: string;
  /** The model does not take this format: check the format's own rules only (the file-level error is reported once). */
  formatOnly: boolean;
  stats: boolean;
  /** A chat template to count records with (see CheckerOptions.chatTemplate). */
  chatTemplate?: string;
}

/** Per line: [line, digest hi, digest lo, flags (1 record, 2 has an error), tokens]. */
export const FIELDS = 5;

export interface BatchResult {
  meta: Uint32Array;
  findings: Finding[];
  /** Text of lines with errors, for --rejects. */
  rejects: [number, string][];
  /** The first line in the batch of a record holding each kind of media (conversation records). */
  media?: MediaLines;
}

export type MediaLines = Partial<Record<"image" | "video" | "document", number>>;

export function jsonError(e: Error, text: string, origin: Origin): Finding {
  if (text.trim() === "") return finding("json-syntax", "blank line (a JSONL file has one JSON object on every line)", origin);
  const at = jsonErrorOffset(text);
  const col = at >= 0 ? at + 1 : undefined;
  const message = e.message.replace(/ in JSON at position \d+.*$/, "").replace(/, "[^]*" is not valid JSON$/, "");
  return finding("json-syntax", col !== undefined ? `${message} at column ${col}` : message, col !== undefined ? { ...origin, column: col } : origin);
}

/** The format the first JSON object among these lines has (for detection before batches are handed out). */
export function firstFormat(lines: Line[], allowed?: readonly string[]): FormatName | "" | undefined {
  for (const l of lines) {
    try {
      const v = JSON.parse(l.text);
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return detectFormat(v, allowed) ?? "";
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

/**
 * Per line of a batch, found by the reading thread in one pass: [start, end (before any \r), digest hi, digest
 * lo, ASCII capitals and digits, bytes ≥ 0x80]. The digest and figures come from WebAssembly, so a worker
 * checking the batch gets them for free.
 */
export const LINE_FIELDS = 6;

export function scanBatch(digester: LineDigester, batch: RawBatch): Uint32Array {
  const b = batch.bytes;
  const bytes = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  digester.load(bytes);
  let n = batch.lines ?? 0;
  if (batch.lines === undefined) {
    for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
    if (bytes.length > 0 && bytes[bytes.length - 1] !== 10) n++;
  }
  const info = new Uint32Array(n * LINE_FIELDS);
  let start = 0;
  for (let o = 0; o < info.length; o += LINE_FIELDS) {
    let i = bytes.indexOf(10, start);
    if (i === -1) i = bytes.length;
    const end = i > start && bytes[i - 1] === 13 ? i - 1 : i;
    info[o] = start;
    info[o + 1] = end;
    digester.digestInto(start, end, info, o + 2);
    start = i + 1;
  }
  return info;
}

export type BatchCheck = (batch: RawBatch, info: Uint32Array, wantRejects: boolean) => BatchResult;

export async function batchChecker(s: BatchSetup): Promise<BatchCheck> {
  const checker = await RecordChecker.create(s.formatOnly ? { tokenizer: s.tokenizer, chatTemplate: s.chatTemplate } : { model: s.model, batchSize: s.batchSize, tokenizer: s.tokenizer, chatTemplate: s.chatTemplate });
  const format = s.format ? getFormat(s.format) : undefined;
  return (batch, info, wantRejects) => {
    const buf = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    const count = info.length / LINE_FIELDS;
    const meta = new Uint32Array(count * FIELDS);
    const findings: Finding[] = [];
    const rejects: [number, string][] = [];
    let media: MediaLines | undefined;
    for (let i = 0; i < count; i++) {
      const li = i * LINE_FIELDS;
      const start = info[li]!;
      const end = info[li + 1]!;
      // An all-ASCII line (no byte ≥ 0x80) decodes the same as latin1, which skips UTF-8 validation.
      const text = buf.toString(info[li + 5] === 0 ? "latin1" : "utf8", start, end);
      const n = batch.firstLine + i;
      const origin: Origin = { source: s.source, line: n };
      const found: Finding[] = [];
      let value: unknown;
      let record = false;
      const invalid = info[li + 5] === 0 ? -1 : firstInvalidUtf8(buf, start, end);
      if (invalid >= 0) found.push(invalidUtf8Finding(origin, { line: invalid - start }, VALIDATE_HINT));
      else {
        try {
          value = JSON.parse(text);
        } catch (e) {
          found.push(jsonError(e as Error, text, origin));
        }
        const lone = found.length === 0 ? loneSurrogate(text, value) : undefined;
        if (lone) found.push(surrogateFinding(origin, lone));
      }
      if (found.length === 0) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          found.push(finding("schema", `expected a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`, origin));
        } else {
          const shape = detectFormat(value);
          if (s.format === "") {
            // The file's format could not be told (reported once for the file): JSON syntax only.
          } else {
            meta[i * FIELDS + 1] = info[li + 2]!;
            meta[i * FIELDS + 2] = info[li + 3]!;
            const own = checker.check(value, s.format, origin, { bytes: end - start, capsDigits: info[li + 4]!, highBytes: info[li + 5]! });
            // Say what the record resembles, after the field-level reason (the reason comes first).
            const k = shape && shape !== s.format ? own.findIndex((f) => f.severity === "error") : -1;
            if (k !== -1) own[k] = { ...own[k]!, message: `${own[k]!.message} — the record looks like the ${shape} format, and the file is ${s.format}` };
            found.push(...own);
            record = true;
            if (s.format === "conversation" && !own.some((f) => f.reason === "schema" || f.reason === "unexpected-key")) {
              for (const k of mediaKinds(value as ConversationRecord)) if (!(media ??= {})[k]) media[k] = n;
            }
          }
        }
      }
      const o = i * FIELDS;
      if (record && s.stats && !found.some((f) => f.severity === "error")) {
        try {
          meta[o + 4] = checker.recordTokens(format!, value);
        } catch (e) {
          // The chat template refused the record (roles it cannot render): the record's finding, as with a model.
          if (!found.some((f) => f.reason === "chat-template")) found.push(finding("chat-template", (e as Error).message, origin));
        }
      }
      const bad = found.some((f) => f.severity === "error");
      meta[o] = n;
      meta[o + 3] = (record ? 1 : 0) | (bad ? 2 : 0);
      for (const f of found) findings.push(f);
      if (bad && wantRejects) rejects.push([n, text]);
    }
    return { meta, findings, rejects, ...(media ? { media } : {}) };
  };
}

import { getFormat } from "../formats/index.js";
import { finding, type Finding, type Origin } from "../record.js";
import { splitLines, type Line, type RawBatch } from "../sources/lines.js";
import { RecordChecker, recordTexts } from "./checker.js";
import { detectFormat } from "./detect.js";
import { LineDigester } from "./hashset.js";
import { jsonErrorOffset } from "./json-position.js";

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
}

/** Per line: [line, digest hi, digest lo, flags (1 record, 2 has an error), tokens]. */
export const FIELDS = 5;

export interface BatchResult {
  meta: Uint32Array;
  findings: Finding[];
  /** Text of lines with errors, for --rejects. */
  rejects: [number, string][];
}

export function jsonError(e: Error, text: string, origin: Origin): Finding {
  if (text.trim() === "") return finding("json-syntax", "blank line (a JSONL file has one JSON object on every line)", origin);
  const at = jsonErrorOffset(text);
  const col = at >= 0 ? at + 1 : undefined;
  const message = e.message.replace(/ in JSON at position \d+.*$/, "").replace(/, "[^]*" is not valid JSON$/, "");
  return finding("json-syntax", col !== undefined ? `${message} at column ${col}` : message, col !== undefined ? { ...origin, column: col } : origin);
}

/** The format the first JSON object among these lines has (for detection before batches are handed out). */
export function firstFormat(lines: Line[]): string | undefined {
  for (const l of lines) {
    try {
      const v = JSON.parse(l.text);
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return detectFormat(v) ?? "";
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

export async function batchChecker(s: BatchSetup): Promise<(batch: RawBatch, wantRejects: boolean) => BatchResult> {
  const checker = await RecordChecker.create(s.formatOnly ? { tokenizer: s.tokenizer } : { model: s.model, batchSize: s.batchSize, tokenizer: s.tokenizer });
  const format = s.format ? getFormat(s.format) : undefined;
  const digester = new LineDigester();
  return (batch, wantRejects) => {
    const lines = splitLines(batch);
    digester.load(batch.bytes);
    const meta = new Uint32Array(lines.length * FIELDS);
    const findings: Finding[] = [];
    const rejects: [number, string][] = [];
    lines.forEach((line, i) => {
      const origin: Origin = { source: s.source, line: line.n };
      const found: Finding[] = [];
      let value: unknown;
      let record = false;
      try {
        value = JSON.parse(line.text);
      } catch (e) {
        found.push(jsonError(e as Error, line.text, origin));
      }
      if (found.length === 0) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          found.push(finding("schema", `expected a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`, origin));
        } else {
          const shape = detectFormat(value);
          if (s.format === "") {
            // The file's format could not be told (reported once for the file): JSON syntax only.
          } else if (shape && shape !== s.format) found.push(finding("format", `record looks like ${shape}, but the file is ${s.format}`, origin));
          else {
            found.push(...checker.check(value, s.format, origin));
            record = true;
          }
        }
      }
      const bad = found.some((f) => f.severity === "error");
      const o = i * FIELDS;
      meta[o] = line.n;
      if (record) {
        const [hi, lo] = digester.digest(line.at!, line.at! + line.bytes);
        meta[o + 1] = hi;
        meta[o + 2] = lo;
      }
      meta[o + 3] = (record ? 1 : 0) | (bad ? 2 : 0);
      if (record && !bad && s.stats) {
        const { input, output } = recordTexts(format!, value);
        meta[o + 4] = checker.counter.count(input) + (output ? checker.counter.count(output) : 0);
      }
      for (const f of found) findings.push(f);
      if (bad && wantRejects) rejects.push([line.n, line.text]);
    });
    return { meta, findings, rejects };
  };
}

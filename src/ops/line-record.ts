import { finding, type Finding, type Origin } from "../record.js";
import { loneSurrogate } from "../sources/encoding.js";
import { invalidUtf8Finding, surrogateFinding } from "../sources/json.js";
import { jsonError } from "../validate/batch.js";

/**
 * What one line of a dataset file is to the record operations: a record (a JSON object), nothing (a blank line,
 * skipped unless `blankLines` is "finding"), or a finding that says why it is refused. The one rule for the reader
 * in this thread (readRecords) and the worker that parses for dedup.
 */
export function lineRecord(text: string, origin: Origin, invalid: { at: number; byte?: number } | undefined, blankLines: "skip" | "finding" = "skip"): { value: Record<string, unknown> } | Finding | undefined {
  // Invalid UTF-8 is never replaced: the line is refused with where it is.
  if (invalid) return invalidUtf8Finding(origin, { line: invalid.at, byte: invalid.byte });
  // (Only an empty line or one that starts with whitespace can be blank: no trimmed copy of every line.)
  if ((text.length === 0 || text.charCodeAt(0) <= 32 || /^\s/u.test(text)) && text.trim() === "" && blankLines !== "finding") return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ...jsonError(e as Error, text, origin), raw: text } as Finding;
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) return { ...finding("schema", "expected a JSON object", origin), raw: v } as Finding;
  const bad = loneSurrogate(text, v);
  if (bad) return surrogateFinding(origin, bad);
  return { value: v as Record<string, unknown> };
}

/** A record's line to write as read: whitespace around the object (which JSON allows) is not kept. */
export function asLine(text: string): string {
  return text.charCodeAt(0) === 123 && text.charCodeAt(text.length - 1) === 125 ? text : text.trim();
}

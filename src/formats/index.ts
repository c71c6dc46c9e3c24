import { PrepError } from "../record.js";
import { conversation } from "./conversation.js";
import { cpt } from "./cpt.js";
import { RecordIssue, type Format } from "./format.js";
import { instruction } from "./instruction.js";
import { messages } from "./messages.js";
import { text } from "./text.js";

export const formats = { instruction, messages, conversation, cpt, text } as const;
export type FormatName = keyof typeof formats;
export const formatNames = Object.keys(formats) as FormatName[];

export function getFormat(name: string): Format {
  const f = (formats as Record<string, Format<any>>)[name];
  if (!f) throw new PrepError(`unknown format "${name}"; expected one of: ${formatNames.join(", ")}`, 2);
  return f;
}

/** Check a candidate record against the format's schema, then its rules. Returns the parsed record or the issues. */
export function checkRecord<T>(format: Format<T>, value: unknown): { ok: true; record: T } | { ok: false; issues: RecordIssue[] } {
  const parsed = format.schema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map(
        (i) =>
          new RecordIssue(
            i.code === "unrecognized_keys" ? "unexpected-key" : i.code === "too_small" && /empty/.test(i.message) ? "empty" : "schema",
            `${i.path.length ? i.path.join(".") + ": " : ""}${i.message}`,
          ),
      ),
    };
  }
  const issues = format.rules(parsed.data);
  return issues.length ? { ok: false, issues } : { ok: true, record: parsed.data };
}

export { conversation, cpt, instruction, messages, text };
export { RecordIssue };
export type { Format };

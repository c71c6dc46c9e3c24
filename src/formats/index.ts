import { codePointName, CONTROL_CHARACTER } from "../sources/encoding.js";
import type { z } from "zod";
import { PrepError } from "../record.js";
import { conversation } from "./conversation.js";
import { cpt } from "./cpt.js";
import { distillation } from "./distillation.js";
import { evaluation } from "./evaluation.js";
import { RecordIssue, type Format } from "./format.js";
import { instruction } from "./instruction.js";
import { messages } from "./messages.js";
import { preference } from "./preference.js";
import { rft } from "./rft.js";
import { text } from "./text.js";
import { openaiChat } from "./openai-chat.js";
import { openaiPreference } from "./openai-preference.js";
import { vertex } from "./vertex.js";
import { trlPreference } from "./trl-preference.js";
import { alpaca } from "./alpaca.js";
import { sharegpt } from "./sharegpt.js";

export const formats = {
  instruction,
  messages,
  conversation,
  cpt,
  text,
  distillation,
  evaluation,
  rft,
  preference,
  "openai-chat": openaiChat,
  "openai-preference": openaiPreference,
  vertex,
  "trl-preference": trlPreference,
  alpaca,
  sharegpt,
} as const;
export type FormatName = keyof typeof formats;
export const formatNames = Object.keys(formats) as FormatName[];

/** A format name from user input (CLI options, config): the union type, or a usage error listing the names. */
export function asFormatName(name: string): FormatName {
  if (!(formatNames as string[]).includes(name)) throw new PrepError(`unknown format "${name}"; expected one of: ${formatNames.join(", ")}`, 2);
  return name as FormatName;
}

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
            issueMessage(format.name, i, value),
          ),
      ),
    };
  }
  const control = controlCharacter(parsed.data, []);
  const issues = [...(control ? [control] : []), ...format.rules(parsed.data)];
  return issues.length ? { ok: false, issues } : { ok: true, record: parsed.data };
}


/** The first string of a record holding a control character, as an issue naming its field, character and offset. */
function controlCharacter(value: unknown, path: (string | number)[]): RecordIssue | undefined {
  // The common case costs one test per string and no allocation: the path is built only for a hit.
  if (!hasControl(value)) return undefined;
  if (typeof value === "string") {
    const m = CONTROL_CHARACTER.exec(value)!;
    return new RecordIssue("control-characters", `${pathText(path)}: ${codePointName(m[0])} at character ${m.index} (control characters are not text; a binary file or a broken export?)`);
  }
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value as object);
  for (const [k, v] of entries) if (hasControl(v)) return controlCharacter(v, [...path, k]);
  return undefined;
}

function hasControl(value: unknown): boolean {
  if (typeof value === "string") return CONTROL_CHARACTER.test(value);
  if (Array.isArray(value)) {
    for (const v of value) if (hasControl(v)) return true;
    return false;
  }
  if (value && typeof value === "object") {
    for (const k in value) if (hasControl((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/** `messages[0].content` for the path ["messages", 0, "content"]. */
export function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const k of path) out += typeof k === "number" ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return "a string";
  return `a ${typeof v}`;
}

const EXPECTED: Record<string, string> = { string: "a string", array: "a list", object: "an object", number: "a number", boolean: "true or false" };

/** What the other chat format does differently, when a record of one was given as the other. */
function crossHint(format: string, where: string, got: unknown): string {
  if (format === "messages" && /content$/.test(where) && Array.isArray(got)) return " (a list of blocks is the conversation format)";
  if (format === "messages" && where === "system" && Array.isArray(got)) return " (a list of {\"text\"} blocks is the conversation format)";
  if (format === "conversation" && /content$/.test(where) && typeof got === "string") return ' (plain-string content is the messages format; conversation takes [{"text": …}])';
  if (format === "conversation" && where === "system" && typeof got === "string") return ' (a plain-string system is the messages format; conversation takes [{"text": …}])';
  return "";
}

/** A zod issue as a sentence naming the field and what it must be. */
function issueMessage(format: string, i: z.core.$ZodIssue, value: unknown): string {
  const where = pathText(i.path);
  const got = valueAt(value, i.path);
  switch (i.code) {
    case "invalid_type": {
      if (got === undefined && i.path.length > 0) {
        const parent = pathText(i.path.slice(0, -1));
        return `missing key ${String(i.path[i.path.length - 1])}${parent ? ` in ${parent}` : ""}`;
      }
      const want = EXPECTED[i.expected] ?? i.expected;
      return `${where || "the record"} must be ${want}, found ${kindOf(got)}${crossHint(format, where, got)}`;
    }
    case "unrecognized_keys": {
      const keys = i.keys.map((k) => JSON.stringify(k)).join(", ");
      const hint = format === "messages" && i.keys.includes("schemaVersion") && i.path.length === 0 ? " (schemaVersion belongs to the conversation format)" : "";
      return `${where || "the record"} has unexpected key${i.keys.length === 1 ? "" : "s"} ${keys}${hint}`;
    }
    case "invalid_value":
      return `${where} must be ${i.values.map((v) => JSON.stringify(v)).join(" or ")}, found ${typeof got === "string" ? JSON.stringify(got) : kindOf(got)}`;
    case "invalid_union":
      // A missing field whose type is a union (a string or a message list) is missing, not "invalid".
      if (got === undefined && i.path.length > 0) {
        const parent = pathText(i.path.slice(0, -1));
        return `missing key ${String(i.path[i.path.length - 1])}${parent ? ` in ${parent}` : ""}`;
      }
      if (/content\[\d+\]$/.test(where)) return `${where} must be one {"text"}, {"image"} or {"video"} block, found ${got && typeof got === "object" && !Array.isArray(got) ? `keys ${Object.keys(got).map((k) => JSON.stringify(k)).join(", ") || "none"}` : kindOf(got)}`;
      return `${where || "the record"}: ${i.message}`;
    default:
      return `${where ? `${where}: ` : ""}${i.message}`;
  }
}

export { conversation, cpt, distillation, evaluation, instruction, messages, preference, rft, text, openaiChat, openaiPreference, vertex, trlPreference, alpaca, sharegpt };
export { RecordIssue };
export type { Format };

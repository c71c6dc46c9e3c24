import { finding, type Draft, type Finding, type Row } from "../record.js";
import type { TokenCounter } from "../tokens/index.js";
import { normaliseChat, type ChatPolicy, type RawChat } from "./chat.js";
import { dialogueParser, type DialogueOptions } from "./dialogue.js";
import { readChat, type ChatShape } from "./shapes.js";
import { fitConversation, type TooLongPolicy } from "./split.js";

export interface ConvertOptions extends ChatPolicy {
  /** Input shape (default: detected per record). */
  from?: ChatShape;
  /** A system prompt for every record (replaces one the record has). */
  system?: string;
  maxTokens?: number;
  tooLong?: TooLongPolicy;
  counter?: TokenCounter;
  /** Writing preference records: pairs are read as pairs (and anything else is refused); otherwise a pair is refused. */
  preference?: boolean;
}

/** One rejection per record: the first error, with how many more there were. */
function firstError(fs: Finding[]): Finding {
  const errors = fs.filter((f) => f.severity === "error");
  const f = errors[0]!;
  return errors.length > 1 ? { ...f, message: `${f.message} (+${errors.length - 1} more)` } : f;
}

function finish(raw: { chat: RawChat } | { findings: Finding[] }, row: Row, o: ConvertOptions): (Draft | Finding)[] {
  if ("findings" in raw) return [firstError(raw.findings)];
  if (o.preference && !raw.chat.preference) return [finding("format", "not a preference pair (chosen/rejected, or preferred_output/non_preferred_output): --to preference writes pairs only", row.origin)];
  if (!o.preference && raw.chat.preference) return [finding("format", "a preference pair (chosen/rejected) keeps both answers only --to preference; converting it to a chat format would drop the rejected answer", row.origin)];
  const chat = o.system !== undefined ? { ...raw.chat, system: o.system, turns: raw.chat.turns.filter((t) => t.role !== "system") } : raw.chat;
  const { draft, findings } = normaliseChat(chat, row.origin, o);
  if (!draft) return [...findings.filter((f) => f.severity === "warning"), firstError(findings)];
  const fitted = o.maxTokens !== undefined && o.counter && !draft.preference ? fitConversation(draft, o.maxTokens, o.tooLong ?? "error", o.counter) : [draft];
  return [...findings, ...fitted];
}

/** Row → Bedrock chat draft(s) from OpenAI chat, ShareGPT, Alpaca or Bedrock records (with findings for what cannot be carried). */
export function chatConverter(o: ConvertOptions = {}): (row: Row) => (Draft | Finding)[] {
  return (row) => finish(readChat(row.values, row.origin, o.from), row, o);
}

/** Row → multi-turn draft from a column of speaker-tagged dialogue text. */
export function dialogueConverter(column: string, d: DialogueOptions, o: ConvertOptions = {}): (row: Row) => (Draft | Finding)[] {
  const parse = dialogueParser(d);
  return (row) => {
    const text = row.values[column];
    if (typeof text !== "string") return [finding("missing-value", `column "${column}" is ${text === undefined ? "absent" : "not text"} in this row`, row.origin)];
    return finish(parse(text, row.origin), row, o);
  };
}

export { normaliseChat, type ChatPolicy, type RawChat } from "./chat.js";
export { dialogueParser, DEFAULT_SPEAKER_PATTERN, type DialogueOptions } from "./dialogue.js";
export { readChat, detectShape, chatShapes, type ChatShape } from "./shapes.js";
export { fitConversation, type TooLongPolicy } from "./split.js";

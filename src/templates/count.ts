import type { ChatDraft, DraftBody } from "../record.js";
import type { TokenCounter } from "../tokens/index.js";
import type { ChatTemplate } from "./chat-template.js";

/** A draft's messages as chat templates take them: the system prompt first, then the turns (a pair's preferred answer). */
export function draftMessages(d: DraftBody): { role: string; content: string }[] {
  if (d.kind === "text") return [{ role: "user", content: d.text }];
  const c = d as Omit<ChatDraft, "origin">;
  return [...(c.system !== undefined ? [{ role: "system", content: c.system }] : []), ...c.turns.map((t) => ({ role: t.role, content: t.content })), ...(c.preference ? [{ role: "assistant", content: c.preference.preferred }] : [])];
}

/** Tokens of rendered text: each special token once, the text between them by the counter. */
export function countRendered(counter: TokenCounter, template: ChatTemplate, text: string): number {
  const re = template.specialPattern;
  if (!re) return counter.count(text);
  let n = 0;
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index! > at) n += counter.count(text.slice(at, m.index));
    n++;
    at = m.index! + m[0].length;
  }
  if (at < text.length) n += counter.count(text.slice(at));
  return n;
}

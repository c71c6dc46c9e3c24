import { finding, type ChatDraft, type Finding } from "../record.js";
import type { TokenCounter } from "../tokens/index.js";

export type TooLongPolicy = "drop" | "split" | "error";

/**
 * Keep a conversation within `maxTokens` (system + every turn): as is, split at exchange boundaries into several
 * valid conversations (each starting with the user, ending with the assistant, and repeating the system prompt),
 * dropped (a warning), or rejected (an error). One exchange over the limit cannot be split and is rejected.
 */
export function fitConversation(d: ChatDraft, maxTokens: number, policy: TooLongPolicy, counter: TokenCounter): (ChatDraft | Finding)[] {
  const sys = d.system !== undefined ? counter.count(d.system) : 0;
  const sizes = d.turns.map((t) => counter.count(t.content));
  const total = sys + sizes.reduce((a, b) => a + b, 0);
  if (total <= maxTokens) return [d];
  const label = counter.exact ? counter.name : "estimated";
  if (policy === "drop") return [finding("too-long-dropped", `conversation has ${total} tokens (${label}), over --max-tokens ${maxTokens}; dropped`, d.origin, "warning")];
  if (policy === "error") return [finding("too-long", `conversation has ${total} tokens (${label}), over --max-tokens ${maxTokens}`, d.origin)];
  const out: (ChatDraft | Finding)[] = [];
  let cur: ChatDraft["turns"] = [];
  let used = sys;
  for (let i = 0; i + 1 < d.turns.length; i += 2) {
    const pair = sizes[i]! + sizes[i + 1]!;
    if (sys + pair > maxTokens) {
      return [finding("too-long", `exchange ${i / 2 + 1} alone has ${sys + pair} tokens (${label}) with the system prompt, over --max-tokens ${maxTokens}; it cannot be split further`, d.origin)];
    }
    if (used + pair > maxTokens && cur.length) {
      out.push({ ...d, turns: cur });
      cur = [];
      used = sys;
    }
    cur.push(d.turns[i]!, d.turns[i + 1]!);
    used += pair;
  }
  if (cur.length) out.push({ ...d, turns: cur });
  out.push(finding("split", `conversation of ${total} tokens (${label}) split into ${out.length} conversations under ${maxTokens}`, d.origin, "warning"));
  return out;
}

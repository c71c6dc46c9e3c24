import type { FormatName } from "../formats/index.js";

/** The OpenAI-only marks of a message list: roles Bedrock's formats lack, tool calls, weights, typed content parts. */
function openaiMarks(v: Record<string, unknown>): boolean {
  if ("tools" in v || "parallel_tool_calls" in v) return true;
  const ms = v.messages;
  if (!Array.isArray(ms)) return false;
  return ms.some((m) => {
    if (!m || typeof m !== "object") return false;
    const o = m as Record<string, unknown>;
    if (o.role === "system" || o.role === "developer" || o.role === "tool" || "weight" in o || "tool_calls" in o || "tool_call_id" in o || "name" in o) return true;
    return Array.isArray(o.content) && (o.content as unknown[]).some((p) => !!p && typeof p === "object" && "type" in (p as object));
  });
}

/**
 * The formats a parsed JSONL object could be, most likely first, from its keys. A record both Bedrock's `messages`
 * and `openai-chat` read (user and assistant strings only) is `messages` first: a target that takes openai-chat and
 * not messages picks the next (see {@link detectFormat}).
 */
export function formatCandidates(value: unknown): FormatName[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const v = value as Record<string, unknown>;
  if ("chosen" in v || "rejected" in v) return ["trl-preference"];
  if ("preferred_output" in v || "non_preferred_output" in v || (v.input && typeof v.input === "object")) return ["openai-preference"];
  if (Array.isArray(v.contents) || "systemInstruction" in v) return ["vertex"];
  if ("conversations" in v) return ["sharegpt"];
  if ("instruction" in v && ("output" in v || "history" in v)) return ["alpaca"];
  if ("prompt" in v && !("completion" in v) && ("referenceResponse" in v || "category" in v || "modelResponses" in v)) return ["evaluation"];
  if ("prompt" in v || "completion" in v) return ["instruction"];
  if ("reference_answer" in v && "messages" in v) return ["rft"];
  if (Array.isArray(v.messages) && (v.messages as { candidates?: unknown }[]).some((m) => m && typeof m === "object" && "candidates" in m)) return ["preference"];
  if ("messages" in v || "schemaVersion" in v) {
    if (openaiMarks(v)) return ["openai-chat"];
    const first = Array.isArray(v.messages) ? (v.messages[0] as { content?: unknown } | undefined) : undefined;
    if ("schemaVersion" in v || Array.isArray(first?.content) || Array.isArray(v.system)) return ["conversation"];
    return ["messages", "openai-chat"];
  }
  if ("input" in v) return ["cpt"];
  if ("text" in v) return ["text"];
  return [];
}

/** Which record format a parsed JSONL object looks like; with `allowed` (a target's formats), the first it takes. */
export function detectFormat(value: unknown, allowed?: readonly string[]): FormatName | undefined {
  const c = formatCandidates(value);
  return allowed ? (c.find((f) => allowed.includes(f)) ?? c[0]) : c[0];
}

import type { FormatName } from "../formats/index.js";

/** Which record format a parsed JSONL object looks like, from its keys. */
export function detectFormat(value: unknown): FormatName | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if ("prompt" in v && !("completion" in v) && ("referenceResponse" in v || "category" in v || "modelResponses" in v)) return "evaluation";
  if ("prompt" in v || "completion" in v) return "instruction";
  if ("reference_answer" in v && "messages" in v) return "rft";
  if (Array.isArray(v.messages) && (v.messages as { candidates?: unknown }[]).some((m) => m && typeof m === "object" && "candidates" in m)) return "preference";
  if ("messages" in v || "schemaVersion" in v) {
    const first = Array.isArray(v.messages) ? (v.messages[0] as { content?: unknown } | undefined) : undefined;
    if ("schemaVersion" in v || Array.isArray(first?.content) || Array.isArray(v.system)) return "conversation";
    return "messages";
  }
  if ("input" in v) return "cpt";
  if ("text" in v) return "text";
  return undefined;
}

import { finding, type Finding, type Origin } from "../record.js";
import type { RawChat } from "./chat.js";

/** The chat shapes `convert` reads. */
export type ChatShape = "openai" | "sharegpt" | "alpaca" | "messages" | "conversation" | "instruction" | "preference" | "vertex";
export const chatShapes: ChatShape[] = ["openai", "sharegpt", "alpaca", "messages", "conversation", "instruction", "preference", "vertex"];

/** Which shape a record is in, from its keys. */
export function detectShape(v: Record<string, unknown>): ChatShape | undefined {
  if (("chosen" in v && "rejected" in v) || ("preferred_output" in v && "non_preferred_output" in v)) return "preference";
  if (Array.isArray(v.conversations)) return "sharegpt";
  if (Array.isArray(v.contents)) return "vertex";
  if ("instruction" in v && "output" in v) return "alpaca";
  if ("schemaVersion" in v || Array.isArray(v.system)) return "conversation";
  if (Array.isArray(v.messages)) {
    // Bedrock's block lists ({"text"}, {"image"}) versus OpenAI's typed parts ({"type": "text", …}).
    const bedrockBlocks = (v.messages as { content?: unknown }[]).some(
      (m) => Array.isArray(m?.content) && (m.content as Record<string, unknown>[]).some((b) => typeof b === "object" && b !== null && !("type" in b)),
    );
    return bedrockBlocks ? "conversation" : "openai";
  }
  if ("prompt" in v && "completion" in v) return "instruction";
  return undefined;
}

type Result = { chat: RawChat } | { findings: Finding[] };

const str = (x: unknown) => (typeof x === "string" ? x : undefined);

/** OpenAI chat content: a string, or parts of which only text can be carried over. */
function openaiContent(content: unknown, i: number, origin: Origin, out: Finding[]): string | undefined {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  if (Array.isArray(content)) {
    const texts: string[] = [];
    for (const part of content as { type?: string; text?: string }[]) {
      if (part?.type === "text" && typeof part.text === "string") texts.push(part.text);
      else out.push(finding("unsupported-content", `message ${i}: a ${part?.type ?? "non-text"} part cannot be expressed (Bedrock images need S3 URIs in the conversation format)`, origin));
    }
    return texts.join("\n");
  }
  out.push(finding("schema", `message ${i}: content is not text`, origin));
  return undefined;
}

export function readOpenAi(v: Record<string, unknown>, origin: Origin): Result {
  const out: Finding[] = [];
  const turns: RawChat["turns"] = [];
  for (const [i, m] of (v.messages as Record<string, unknown>[]).entries()) {
    const role = m?.role;
    if (m?.tool_calls || m?.function_call || role === "tool" || role === "function") {
      out.push(finding("tool-call", `message ${i}: tool calls and tool results cannot be carried through a conversion (it holds text turns only): keep the file as it is (validate --target checks it)`, origin));
      continue;
    }
    if (role !== "system" && role !== "user" && role !== "assistant") {
      out.push(finding("unknown-role", `message ${i}: role ${JSON.stringify(role)} is not system, user or assistant`, origin));
      continue;
    }
    const content = openaiContent(m.content, i, origin, out);
    if (content !== undefined) turns.push({ role, content });
  }
  if (out.length) return { findings: out };
  return { chat: { ...(str(v.system) !== undefined ? { system: str(v.system) } : {}), turns } };
}

const SHAREGPT_ROLES: Record<string, "user" | "assistant" | "system"> = { human: "user", user: "user", gpt: "assistant", assistant: "assistant", chatgpt: "assistant", bard: "assistant", bing: "assistant", model: "assistant", system: "system" };

export function readShareGpt(v: Record<string, unknown>, origin: Origin): Result {
  const out: Finding[] = [];
  const turns: RawChat["turns"] = [];
  for (const [i, m] of (v.conversations as Record<string, unknown>[]).entries()) {
    const from = str(m?.from)?.toLowerCase();
    const role = from ? SHAREGPT_ROLES[from] : undefined;
    if (!role) {
      out.push(finding(from === "function_call" || from === "observation" || from === "tool" ? "tool-call" : "unknown-role", `turn ${i}: "from": ${JSON.stringify(m?.from)} cannot be expressed (expected human, gpt or system)`, origin));
      continue;
    }
    const value = str(m?.value);
    if (value === undefined) {
      out.push(finding("schema", `turn ${i}: "value" is not a string`, origin));
      continue;
    }
    turns.push({ role, content: value });
  }
  if (out.length) return { findings: out };
  return { chat: { ...(str(v.system) ? { system: str(v.system) } : {}), turns } };
}

/** Alpaca as LLaMA-Factory reads it: history pairs first, then instruction and input joined by a newline. */
export function readAlpaca(v: Record<string, unknown>, origin: Origin): Result {
  const instruction = str(v.instruction);
  const input = str(v.input) ?? "";
  const output = str(v.output);
  if (instruction === undefined || output === undefined) return { findings: [finding("schema", "alpaca records need string instruction and output", origin)] };
  const history = v.history ?? [];
  if (!Array.isArray(history) || history.some((h) => !Array.isArray(h) || h.length !== 2 || typeof h[0] !== "string" || typeof h[1] !== "string")) return { findings: [finding("schema", "history must be a list of [query, response] string pairs", origin)] };
  const user = input.trim() ? `${instruction}\n${input}` : instruction;
  const past = (history as [string, string][]).flatMap(([q, a]) => [{ role: "user" as const, content: q }, { role: "assistant" as const, content: a }]);
  return { chat: { ...(str(v.system) ? { system: str(v.system) } : {}), turns: [...past, { role: "user", content: user }, { role: "assistant", content: output }] } };
}

/** Vertex AI records: text parts carried over; a file part cannot be (a finding naming it). */
export function readVertex(v: Record<string, unknown>, origin: Origin): Result {
  const out: Finding[] = [];
  const texts = (parts: unknown, at: string): string => {
    const got: string[] = [];
    for (const [j, p] of (Array.isArray(parts) ? parts : []).entries()) {
      if (typeof (p as { text?: unknown })?.text === "string") got.push((p as { text: string }).text);
      else out.push(finding("unsupported-content", `${at}.parts[${j}]: a ${Object.keys(p ?? {})[0] ?? "non-text"} part cannot be carried into a text-only format`, origin));
    }
    return got.join("\n");
  };
  const si = v.systemInstruction as { parts?: unknown } | undefined;
  const system = si ? texts(si.parts, "systemInstruction") : undefined;
  const turns: RawChat["turns"] = [];
  for (const [i, c] of (v.contents as { role?: unknown; parts?: unknown }[]).entries()) {
    if (c?.role !== "user" && c?.role !== "model") {
      out.push(finding("unknown-role", `contents[${i}]: role ${JSON.stringify(c?.role)} is not user or model`, origin));
      continue;
    }
    turns.push({ role: c.role === "model" ? "assistant" : "user", content: texts(c.parts, `contents[${i}]`) });
  }
  if (out.length) return { findings: out };
  return { chat: { ...(system !== undefined ? { system } : {}), turns } };
}

export function readConversation(v: Record<string, unknown>, origin: Origin): Result {
  const out: Finding[] = [];
  const system = Array.isArray(v.system) ? (v.system as { text?: unknown }[]).map((s) => str(s?.text) ?? "").join("\n") : undefined;
  const turns: RawChat["turns"] = [];
  if (v.toolConfig !== undefined) out.push(finding("unsupported-content", "toolConfig (tool definitions) cannot be expressed in a text-only format", origin));
  for (const [i, m] of ((v.messages ?? []) as Record<string, unknown>[]).entries()) {
    const role = m?.role;
    if (role !== "user" && role !== "assistant") {
      out.push(finding("unknown-role", `message ${i}: role ${JSON.stringify(role)} is not user or assistant`, origin));
      continue;
    }
    const texts: string[] = [];
    for (const b of (Array.isArray(m.content) ? m.content : []) as Record<string, unknown>[]) {
      if (typeof b?.text === "string") texts.push(b.text);
      else out.push(finding("unsupported-content", `message ${i}: ${Object.keys(b ?? {})[0] ?? "a"} block cannot be expressed in a text-only format`, origin));
    }
    turns.push({ role, content: texts.join("\n") });
  }
  if (out.length) return { findings: out };
  return { chat: { ...(system !== undefined ? { system } : {}), turns } };
}

/** A message list or a plain string (a user prompt, or an answer) as turns. */
function turnsOf(x: unknown, role: "user" | "assistant", what: string, origin: Origin, out: Finding[]): RawChat["turns"] | undefined {
  if (typeof x === "string") return [{ role, content: x }];
  if (Array.isArray(x)) {
    const r = readOpenAi({ messages: x }, origin);
    if ("findings" in r) {
      out.push(...r.findings);
      return undefined;
    }
    return [...(r.chat.system !== undefined ? [{ role: "system" as const, content: r.chat.system }] : []), ...r.chat.turns];
  }
  out.push(finding("schema", `${what} must be text or a list of messages`, origin));
  return undefined;
}

/**
 * A preference pair: TRL's {"prompt"?, "chosen", "rejected"} (strings or message lists; without "prompt", the
 * messages chosen and rejected share are the prompt) or OpenAI's DPO {"input": {"messages"}, "preferred_output",
 * "non_preferred_output"}. Each answer must be one assistant message.
 */
export function readPreference(v: Record<string, unknown>, origin: Origin): Result {
  const out: Finding[] = [];
  const openai = "preferred_output" in v;
  const input = openai ? (v.input as { messages?: unknown } | undefined)?.messages : v.prompt;
  let prompt = input === undefined ? [] : turnsOf(input, "user", openai ? "input.messages" : "prompt", origin, out);
  let chosen = turnsOf(openai ? v.preferred_output : v.chosen, "assistant", openai ? "preferred_output" : "chosen", origin, out);
  let rejected = turnsOf(openai ? v.non_preferred_output : v.rejected, "assistant", openai ? "non_preferred_output" : "rejected", origin, out);
  if (!prompt || !chosen || !rejected) return { findings: out.length ? out : [finding("schema", "not a preference pair", origin)] };
  if (input === undefined) {
    // Implicit prompt: the longest common prefix of the two conversations.
    let k = 0;
    while (k < chosen.length - 1 && k < rejected.length - 1 && chosen[k]!.role === rejected[k]!.role && chosen[k]!.content === rejected[k]!.content) k++;
    prompt = chosen.slice(0, k);
    chosen = chosen.slice(k);
    rejected = rejected.slice(k);
  }
  const answer = (turns: RawChat["turns"], what: string): string | undefined => {
    if (turns.length !== 1 || turns[0]!.role !== "assistant") {
      out.push(finding("preference", `${what} must be one assistant answer (found ${turns.length} message${turns.length === 1 ? "" : "s"}${turns.length ? `, the first from ${turns[0]!.role}` : ""})`, origin));
      return undefined;
    }
    return turns[0]!.content;
  };
  const preferred = answer(chosen, openai ? "preferred_output" : "chosen");
  const rejectedText = answer(rejected, openai ? "non_preferred_output" : "rejected");
  if (out.length || preferred === undefined || rejectedText === undefined) return { findings: out };
  if (!prompt.length) return { findings: [finding("preference", "the pair has no prompt (no user turn before the answers)", origin)] };
  return { chat: { turns: prompt, preference: { preferred, rejected: rejectedText } } };
}

export function readInstruction(v: Record<string, unknown>, origin: Origin): Result {
  const prompt = str(v.prompt);
  const completion = str(v.completion);
  if (prompt === undefined || completion === undefined) return { findings: [finding("schema", "prompt and completion must be strings", origin)] };
  return { chat: { turns: [{ role: "user", content: prompt }, { role: "assistant", content: completion }] } };
}

/** Read any supported chat shape into a raw chat (or the findings that say why it cannot be carried over). */
export function readChat(v: Record<string, unknown>, origin: Origin, shape?: ChatShape): Result {
  const s = shape ?? detectShape(v);
  switch (s) {
    case "openai":
    case "messages":
      return readOpenAi(v, origin);
    case "sharegpt":
      return readShareGpt(v, origin);
    case "alpaca":
      return readAlpaca(v, origin);
    case "conversation":
      return readConversation(v, origin);
    case "instruction":
      return readInstruction(v, origin);
    case "preference":
      return readPreference(v, origin);
    case "vertex":
      return readVertex(v, origin);
    default:
      return { findings: [finding("format", `cannot tell the chat format from keys ${Object.keys(v).join(", ") || "(none)"}; expected OpenAI/Bedrock messages, ShareGPT conversations, Alpaca, Vertex contents, bedrock-conversation-2024 or prompt/completion`, origin)] };
  }
}

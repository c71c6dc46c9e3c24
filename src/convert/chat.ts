import { finding, type ChatDraft, type Finding, type Origin, type Turn } from "../record.js";

/** A chat as read from any input shape, before the Bedrock role rules are applied. */
export interface RawChat {
  system?: string;
  turns: { role: "user" | "assistant" | "system"; content: string }[];
  /** A preference pair: the turns end with the user's, these are the two answers to it. */
  preference?: { preferred: string; rejected: string };
}

export interface ChatPolicy {
  /** A conversation that starts with the assistant: drop those turns (warning) or reject the record. */
  leadingAssistant?: "drop" | "report";
  /** A conversation that ends with the user: drop the trailing user turns (warning) or reject the record. */
  trailingUser?: "trim" | "report";
  /** Consecutive turns of one role: merge them (warning) or reject the record. */
  consecutive?: "merge" | "report";
}

/**
 * Apply Bedrock's role rules to a chat: a system message is allowed only before the first turn; empty turns are
 * errors; consecutive same-role turns are merged; a leading assistant turn is dropped; trailing user turns are
 * trimmed (each a warning, or an error under the "report" policies). Returns the draft and its findings.
 */
export function normaliseChat(raw: RawChat, origin: Origin, policy: ChatPolicy = {}): { draft?: ChatDraft; findings: Finding[] } {
  const findings: Finding[] = [];
  let system = raw.system;
  const turns: Turn[] = [];
  let seenTurn = false;
  for (const [i, t] of raw.turns.entries()) {
    if (t.role === "system") {
      if (seenTurn) {
        findings.push(finding("system-position", `message ${i} is a system message after the conversation started; Bedrock formats keep one system prompt, before the first turn`, origin));
        continue;
      }
      system = system === undefined ? t.content : `${system}\n\n${t.content}`;
      continue;
    }
    seenTurn = true;
    if (t.content.trim() === "") {
      findings.push(finding("empty", `message ${i} (${t.role}) is empty`, origin));
      continue;
    }
    turns.push({ role: t.role, content: t.content });
  }
  if (findings.some((f) => f.severity === "error")) return { findings };

  // Consecutive turns of one speaker.
  const merged: Turn[] = [];
  for (const t of turns) {
    const last = merged[merged.length - 1];
    if (last && last.role === t.role) {
      if (policy.consecutive === "report") return { findings: [...findings, finding("role-order", `two ${t.role} turns in a row`, origin)] };
      last.content += "\n\n" + t.content;
      findings.push(finding("merged-turns", `merged consecutive ${t.role} turns`, origin, "warning"));
    } else merged.push({ ...t });
  }
  // A leading assistant turn.
  while (merged[0]?.role === "assistant") {
    if (policy.leadingAssistant === "report") return { findings: [...findings, finding("role-order", "the conversation starts with the assistant", origin)] };
    merged.shift();
    findings.push(finding("dropped-leading-assistant", "dropped the assistant turn that opened the conversation", origin, "warning"));
  }
  if (raw.preference) {
    // A preference pair answers the last user turn: the conversation ends with it.
    if (merged[merged.length - 1]?.role !== "user") return { findings: [...findings, finding("role-order", "the prompt of a preference pair must end with the user's turn", origin)] };
    for (const [k, v] of Object.entries(raw.preference)) if (v.trim() === "") return { findings: [...findings, finding("empty", `the ${k === "preferred" ? "chosen" : "rejected"} answer is empty`, origin)] };
    if (system !== undefined && system.trim() === "") system = undefined;
    return { draft: { kind: "chat", ...(system !== undefined ? { system } : {}), turns: merged, preference: raw.preference, origin }, findings };
  }
  // Trailing user turns.
  while (merged.length && merged[merged.length - 1]!.role === "user") {
    if (policy.trailingUser === "report") return { findings: [...findings, finding("role-order", "the conversation ends with the user, not the assistant", origin)] };
    merged.pop();
    findings.push(finding("trimmed-trailing-user", "dropped the user turn that ended the conversation (no assistant reply)", origin, "warning"));
  }
  if (merged.length < 2) {
    return { findings: [...findings, finding("too-short", "no complete user/assistant exchange left", origin)] };
  }
  if (system !== undefined && system.trim() === "") system = undefined;
  return { draft: { kind: "chat", ...(system !== undefined ? { system } : {}), turns: merged, origin }, findings };
}

/**
 * A record as a reader sees it (turns as turns, reasoning, media and tool blocks marked), with the fields a finding
 * names highlighted. Findings name their fields in their messages, always the same ways (formats/index.ts
 * issueMessage, the formats' rules, the checker): a leading JSON path (`messages[1].content[0].text: …`), `missing
 * key K [in P]`, `P has unexpected keys "a", "b"`, `messages[i]` in the text, `first`/`last message`, and the token
 * limits' `input`/`output`/`total`. The report reads those back rather than carrying a second copy in every finding.
 */

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** What a finding points at in its record: JSON paths (`messages[1].content[0]`), missing keys, or a token side. */
export interface FindingMarks {
  paths: string[];
  missing: { key: string; parent: string }[];
  side?: "input" | "output" | "total";
}

const PATH = /\b(messages|system|prompt|completion|input|text|referenceResponse|category|reference_answer|toolConfig|schemaVersion)((?:\[\d+\])(?:\.[A-Za-z_]+(?:\[\d+\])?)*|(?:\.[A-Za-z_]+(?:\[\d+\])?)+)?/g;

/** The fields a finding's message names in a record (see the file's comment for the forms read). */
export function findingMarks(reason: string, message: string, record: unknown): FindingMarks {
  const marks: FindingMarks = { paths: [], missing: [] };
  if (reason === "token-limit") {
    const side = /^(input|output|total) has /.exec(message)?.[1] as FindingMarks["side"];
    if (side) marks.side = side;
    return marks;
  }
  for (const m of message.matchAll(/missing key ([^\s:]+)(?: in ([^\s:]+))?/g)) marks.missing.push({ key: m[1]!, parent: m[2] ?? "" });
  const unexpected = /^(?:(\S+) |the record )has unexpected keys? (.+?)(?: \(|$)/.exec(message);
  if (unexpected) {
    const parent = unexpected[1] ?? "";
    for (const k of unexpected[2]!.matchAll(/"([^"]+)"/g)) marks.paths.push(parent ? `${parent}.${k[1]}` : k[1]!);
    return marks;
  }
  if (marks.missing.length) return marks;
  // A leading path (`prompt: …`, `messages[0].role must …`) or paths named in the text (`messages[2] and messages[3]`).
  for (const m of message.matchAll(PATH)) {
    // A field's name as a word of prose ("text is empty", "the input"), not a path: only a leading one counts.
    if (!m[2] && m.index !== 0) continue;
    marks.paths.push(m[0]);
  }
  const messages = (record as { messages?: unknown[] } | undefined)?.messages;
  if (Array.isArray(messages) && messages.length) {
    if (/\bfirst message\b/.test(message)) marks.paths.push("messages[0]");
    if (/\blast message\b/.test(message)) marks.paths.push(`messages[${messages.length - 1}]`);
  }
  return marks;
}

interface Turn {
  path: string;
  role: string;
  content: unknown;
  side: "input" | "output" | "other";
}

/** The record's turns in reading order, each with the JSON path it was read from. */
function turnsOf(record: Record<string, unknown>): { turns: Turn[]; shown: Set<string> } {
  const turns: Turn[] = [];
  const shown = new Set<string>();
  const sys = record.system;
  if (typeof sys === "string" || Array.isArray(sys)) {
    turns.push({ path: "system", role: "system", content: sys, side: "input" });
    shown.add("system");
  }
  if (Array.isArray(record.messages)) {
    shown.add("messages");
    (record.messages as { role?: unknown; content?: unknown; candidates?: { content: unknown; preferenceLabel?: string }[] }[]).forEach((m, i) => {
      const role = typeof m?.role === "string" ? m.role : "(no role)";
      // A preference turn: each candidate with its label.
      if (Array.isArray(m?.candidates)) m.candidates.forEach((c, j) => turns.push({ path: `messages[${i}].candidates[${j}]`, role: `${role} (${c?.preferenceLabel ?? "candidate"})`, content: c?.content, side: "output" }));
      else turns.push({ path: `messages[${i}]`, role, content: m?.content, side: role === "assistant" ? "output" : "input" });
    });
  }
  const field = (key: string, role: string, side: Turn["side"]) => {
    const v = record[key];
    if (typeof v === "string" || (key === "reference_answer" && v !== undefined)) {
      turns.push({ path: key, role, content: typeof v === "string" ? v : JSON.stringify(v), side });
      shown.add(key);
    }
  };
  field("reference_answer", "reference", "other");
  field("prompt", "prompt", "input");
  field("completion", "completion", "output");
  field("input", "text", "input");
  field("text", "text", "input");
  field("referenceResponse", "reference", "other");
  return { turns, shown };
}

/** `a` is `b` or a field inside it. */
const within = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);

/**
 * A record as HTML: its turns, any other keys it has (nothing of a record is hidden), and with `marks`, the named
 * fields in `<mark>` (a missing key shown where it belongs, the turns a token limit counts).
 */
export function renderRecord(record: Record<string, unknown>, marks?: FindingMarks): string {
  const { turns, shown } = turnsOf(record);
  const paths = marks?.paths ?? [];
  const hit = (path: string) => paths.some((p) => within(p, path));
  const block = (c: unknown, path: string): string => {
    const marked = hit(path);
    const open = marked ? `<mark class="offending" data-path="${esc(path)}">` : "";
    const close = marked ? "</mark>" : "";
    if (typeof c === "string") return `<div class="text">${open}${esc(c)}${close}</div>`;
    if (!c || typeof c !== "object") return `<div class="mark">${open}${esc(JSON.stringify(c) ?? "nothing")}${close}</div>`;
    const o = c as Record<string, unknown>;
    if (typeof o.text === "string" && Object.keys(o).length === 1) return `<div class="text">${open}${esc(o.text)}${close}</div>`;
    const kind = Object.keys(o)[0] ?? "block";
    if (kind === "reasoningContent") return `<div class="mark reasoning">${open}reasoning: ${esc(JSON.stringify(o[kind]).slice(0, 400))}${close}</div>`;
    return `<div class="mark">${open}${esc(kind)}: ${esc(JSON.stringify(kind === "text" ? o : o[kind]).slice(0, 200))}${close}</div>`;
  };
  const html: string[] = [];
  for (const t of turns) {
    // The turn itself is marked when a path names it or its role, or when a token limit counts its side.
    const own = paths.some((p) => p === t.path || p.startsWith(`${t.path}.role`)) || (marks?.side !== undefined && (marks.side === "total" ? t.side !== "other" : marks.side === t.side));
    const content = Array.isArray(t.content) ? t.content.map((c, j) => block(c, `${t.path}${t.path === "system" ? "" : ".content"}[${j}]`)).join("") : block(t.content, t.path === "system" || !t.path.startsWith("messages") ? t.path : `${t.path}.content`);
    const missing = (marks?.missing ?? []).filter((m) => m.parent === t.path).map((m) => `<mark class="offending missing">${esc(m.key)}: missing</mark>`).join("");
    html.push(`<div class="turn ${esc(t.role.split(" ")[0]!)}${own ? " offending" : ""}" data-path="${esc(t.path)}"><span class="role">${own ? `<mark class="offending">${esc(t.role)}</mark>` : esc(t.role)}</span>${content}${missing}</div>`);
  }
  // Keys the turns do not show (an unexpected key, schemaVersion, toolConfig, ids): as JSON, marked when named.
  for (const [k, v] of Object.entries(record)) {
    if (shown.has(k)) continue;
    const text = `${esc(k)}: ${esc((JSON.stringify(v) ?? "").slice(0, 300))}`;
    html.push(`<div class="field" data-path="${esc(k)}">${hit(k) ? `<mark class="offending">${text}</mark>` : text}</div>`);
  }
  for (const m of marks?.missing ?? []) {
    if (m.parent === "" || !turns.some((t) => t.path === m.parent)) html.push(`<div class="field missing"><mark class="offending">${esc(m.parent ? `${m.parent}.${m.key}` : m.key)}: missing</mark></div>`);
  }
  if (!turns.length && !Object.keys(record).length) return `<pre>{}</pre>`;
  return html.join("");
}

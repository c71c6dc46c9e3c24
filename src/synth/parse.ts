/** A question/answer pair as the teacher wrote it. */
export interface Pair {
  question: string;
  answer: string;
  topic?: string;
  /** With synth --reasoning: the teacher's short rationale (how the document supports the answer). */
  reasoning?: string;
}

export interface ParsedReply {
  pairs: Pair[];
  /** Objects found that were not usable pairs (missing or empty question or answer). */
  unusable: number;
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Balanced top-level `{…}` and `[…]` spans in prose (strings and escapes respected). */
export function jsonSpans(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"' && depth > 0) inString = true;
    else if (c === "{" || c === "[") {
      if (depth === 0) start = i;
      depth++;
    } else if ((c === "}" || c === "]") && depth > 0) {
      depth--;
      if (depth === 0 && start !== -1) {
        out.push(text.slice(start, i + 1));
        start = -1;
      }
    }
  }
  return out;
}

/** Lists nested deeper than this are not looked into: pairs sit one or two levels down, a reply 10,000 deep is junk. */
const MAX_DEPTH = 8;

/** The objects a parsed reply holds, in order, without recursion (a reply of arrays 10,000 deep overflowed the stack). */
function collect(v0: unknown, into: unknown[]): void {
  const stack: { v: unknown; depth: number }[] = [{ v: v0, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (depth > MAX_DEPTH) continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], depth: depth + 1 });
    } else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      // {"pairs": [...]} or {"questions": [...]}: a wrapper around the list.
      const inner = Object.values(o).find((x) => Array.isArray(x) && x.some((y) => y && typeof y === "object" && "question" in (y as object)));
      if (!("question" in o) && inner) stack.push({ v: inner, depth: depth + 1 });
      else into.push(o);
    }
  }
}

/**
 * The pairs in a teacher's reply: JSON lines, a JSON array (or an object holding one), either inside a fenced block
 * or surrounded by prose. Keys are matched case-insensitively (`Question`, `answer`); values are trimmed.
 */
export function parseReply(text: string): ParsedReply {
  const fenced = [...text.matchAll(/```(?:json|jsonl)?\s*\n([\s\S]*?)```/gi)].map((m) => m[1]!);
  const bodies = fenced.length ? fenced : [text];
  const values: unknown[] = [];
  for (const body of bodies) {
    const whole = tryJson(body.trim());
    if (whole !== undefined) {
      collect(whole, values);
      continue;
    }
    // JSON Lines, else any JSON spans in prose.
    let lineHits = 0;
    for (const line of body.split(/\r?\n/)) {
      const v = line.trim() ? tryJson(line.trim().replace(/,$/, "")) : undefined;
      if (v !== undefined && typeof v === "object") {
        collect(v, values);
        lineHits++;
      }
    }
    if (lineHits === 0) for (const span of jsonSpans(body)) collect(tryJson(span), values);
  }
  const pairs: Pair[] = [];
  let unusable = 0;
  for (const v of values) {
    const o = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k.toLowerCase(), x]));
    const q = typeof o.question === "string" ? o.question.trim() : "";
    const a = typeof o.answer === "string" ? o.answer.trim() : "";
    if (!q || !a) {
      unusable++;
      continue;
    }
    pairs.push({ question: q, answer: a, ...(typeof o.topic === "string" && o.topic.trim() ? { topic: o.topic.trim() } : {}), ...(typeof o.reasoning === "string" && o.reasoning.trim() ? { reasoning: o.reasoning.trim() } : {}) });
  }
  return { pairs, unusable };
}

/** How two questions are compared for repeats: case, spacing and trailing punctuation ignored. */
export function questionKey(q: string): string {
  return q.toLowerCase().replace(/\s+/g, " ").replace(/[\s?.!。？！]+$/u, "").trim();
}

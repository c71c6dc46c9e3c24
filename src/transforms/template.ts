import { PrepError } from "../record.js";

type Step = string | number;
type Part = string | { column: string; path?: Step[] };

/**
 * A placeholder's path into nested values, as jq and `datasets` address them: `meta.title`, `messages[0].content`,
 * `tags[-1]` (from the end). Undefined for a plain name (no `.` or `[`).
 */
export function parsePath(name: string): Step[] | undefined {
  if (!/[.[]/.test(name)) return undefined;
  const steps: Step[] = [];
  const re = /([^.[\]]+)|\[(-?\d+)\]|\.|\[\s*(["'])(.*?)\3\s*\]/g;
  let at = 0;
  for (let m = re.exec(name); m; m = re.exec(name)) {
    if (m.index !== at) return undefined;
    at = re.lastIndex;
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else if (m[4] !== undefined) steps.push(m[4]);
  }
  return at === name.length && steps.length > 0 && typeof steps[0] === "string" ? steps : undefined;
}

/** Follow a path: the value, or where it stops (the step that is not there, and the keys that are). */
export function followPath(values: Record<string, unknown>, path: Step[]): { value: unknown } | { stop: string; keys: string[] } {
  let v: unknown = values;
  let where = "";
  for (const step of path) {
    if (typeof step === "number") {
      if (!Array.isArray(v)) return { stop: `${where}[${step}]`, keys: v && typeof v === "object" ? Object.keys(v) : [] };
      const i = step < 0 ? v.length + step : step;
      if (i < 0 || i >= v.length) return { stop: `${where}[${step}]`, keys: [`${v.length} item${v.length === 1 ? "" : "s"}`] };
      v = v[i];
      where += `[${step}]`;
    } else {
      if (!v || typeof v !== "object" || Array.isArray(v) || !(step in (v as object))) return { stop: where ? `${where}.${step}` : step, keys: Array.isArray(v) ? [`${v.length} items: use [0]`] : v && typeof v === "object" ? Object.keys(v) : [] };
      v = (v as Record<string, unknown>)[step];
      where = where ? `${where}.${step}` : step;
    }
  }
  return { value: v };
}

/** A `{column}` template; `{{` and `}}` are literal braces. Compiled once, rendered per row. */
export class Template {
  readonly parts: Part[];
  readonly columns: string[];
  constructor(readonly source: string) {
    this.parts = parseTemplate(source);
    this.columns = [...new Set(this.parts.filter((p): p is { column: string } => typeof p !== "string").map((p) => p.column))];
  }

  /**
   * Render against a row. Returns the text, or the name of a column (or path) that is absent or null in this row, with
   * the keys there are where a path stops.
   */
  render(values: Record<string, unknown>): { text: string } | { missing: string; keys?: string[] } {
    let out = "";
    for (const p of this.parts) {
      if (typeof p === "string") {
        out += p;
        continue;
      }
      // A column named with a dot is that column; otherwise a path into nested values.
      let v = values[p.column];
      if (v === undefined && p.path) {
        const f = followPath(values, p.path);
        if ("stop" in f) return { missing: p.column, keys: f.keys };
        v = f.value;
      }
      if (v === undefined || v === null) return { missing: p.column };
      out += typeof v === "string" ? v : v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v, bigintSafe) : String(v);
    }
    return { text: out };
  }
}

function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

function parseTemplate(src: string): Part[] {
  const parts: Part[] = [];
  let lit = "";
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "{" && src[i + 1] === "{") {
      lit += "{";
      i++;
    } else if (c === "}" && src[i + 1] === "}") {
      lit += "}";
      i++;
    } else if (c === "{") {
      const end = src.indexOf("}", i + 1);
      if (end === -1) throw new PrepError(`template ${JSON.stringify(src)}: "{" at position ${i} is never closed (write "{{" for a literal brace)`, 2);
      const column = src.slice(i + 1, end);
      if (column === "") throw new PrepError(`template ${JSON.stringify(src)}: empty placeholder "{}" at position ${i}`, 2);
      if (lit) parts.push(lit);
      lit = "";
      const path = parsePath(column);
      parts.push(path ? { column, path } : { column });
      i = end;
    } else if (c === "}") {
      throw new PrepError(`template ${JSON.stringify(src)}: unmatched "}" at position ${i} (write "}}" for a literal brace)`, 2);
    } else {
      lit += c;
    }
  }
  if (lit) parts.push(lit);
  return parts;
}

/** Usage error for a column no row has: names it and lists the ones that exist. */
export function checkColumns(templates: Template[], available: string[], where: string, first?: Record<string, unknown>): void {
  const have = new Set(available);
  // A "CSV" whose header is a JSON object is JSON Lines read as CSV: say so, not "columns are: {"q":"a", …".
  const joined = available.join(",");
  const jsonLines = available.length > 0 && joined.trimStart().startsWith("{") && joined.trimEnd().endsWith("}") && (() => {
    try {
      return typeof JSON.parse(joined) === "object";
    } catch {
      return false;
    }
  })();
  for (const t of templates) {
    for (const c of t.columns) {
      if (have.has(c)) continue;
      if (jsonLines) throw new PrepError(`${where}: the first line is a JSON object, not a CSV header: this looks like JSON Lines; read it with prep-data json (the same options)`, 2);
      const path = parsePath(c);
      if (path && have.has(path[0] as string)) {
        // A path whose root column exists: checked against the first row, with the keys there are where it stops.
        if (first) {
          const f = followPath(first, path);
          if ("stop" in f) throw new PrepError(`${where}: template ${JSON.stringify(t.source)}: the first row has no ${f.stop}${f.keys.length ? `; there: ${f.keys.slice(0, 20).join(", ")}${f.keys.length > 20 ? ", …" : ""}` : ""}`, 2);
        }
        continue;
      }
      throw new PrepError(`${where}: template ${JSON.stringify(t.source)} uses column "${c}", which does not exist; columns are: ${available.join(", ") || "(none)"}`, 2);
    }
  }
}

import { PrepError } from "../record.js";

type Part = string | { column: string };

/** A `{column}` template; `{{` and `}}` are literal braces. Compiled once, rendered per row. */
export class Template {
  readonly parts: Part[];
  readonly columns: string[];
  constructor(readonly source: string) {
    this.parts = parseTemplate(source);
    this.columns = [...new Set(this.parts.filter((p): p is { column: string } => typeof p !== "string").map((p) => p.column))];
  }

  /** Render against a row. Returns the text, or the name of a column that is absent or null in this row. */
  render(values: Record<string, unknown>): { text: string } | { missing: string } {
    let out = "";
    for (const p of this.parts) {
      if (typeof p === "string") {
        out += p;
        continue;
      }
      const v = values[p.column];
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
      parts.push({ column });
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
export function checkColumns(templates: Template[], available: string[], where: string): void {
  const have = new Set(available);
  for (const t of templates) {
    for (const c of t.columns) {
      if (!have.has(c)) {
        throw new PrepError(
          `${where}: template ${JSON.stringify(t.source)} uses column "${c}", which does not exist; columns are: ${available.join(", ") || "(none)"}`,
          2,
        );
      }
    }
  }
}

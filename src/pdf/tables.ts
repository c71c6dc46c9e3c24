import type { RunLine } from "./lines.js";

/**
 * Tables on a PDF page as Markdown tables (`--tables markdown`), from where pdf.js places each glyph run. A line's
 * runs split into cells at gaps wider than 0.8 em (a word space is about 0.25 em); a table is three or more
 * consecutive lines, each with cells in at least two columns, where the columns are the vertical rivers of white
 * that no cell of any of those lines crosses. A line that crosses a river (a caption, a paragraph) ends the table.
 * Prose set in two columns also leaves a river, so a block whose cells read like prose (a median over 40
 * characters or of five words or more, or any over 120 characters) is left as text, and so are lists whose markers stand apart (a first column of bullets
 * or section numbers) and code set in a fixed-pitch font. Rows keep their cells' text as written; nothing is dropped: a
 * block that is not a table stays the lines it was.
 */
export interface TableLine {
  text: string;
  y: number;
  size: number;
  table?: boolean;
}

const CELL_GAP_EM = 0.8;
/** What a list puts before its items: nothing, a bullet-like glyph, a private-use glyph, `1.`, `9.1`, `(a)`, `iv.`. */
const LIST_MARKER = /^(|[•◦▪▫‣∙·●○■□➢➤►▶✓✔*o\-–—]|\p{Co}|\d{1,3}(\.\d{1,3})*\.?|\(?[a-z]\)|[ivxlc]+\.)$/u;
const MIN_ROWS = 3;

interface Cell {
  x0: number;
  xEnd: number;
  text: string;
  mono?: boolean;
}

/** A line's cells: its runs left to right, joined where the gap is narrower than a column gap. */
function cellsOf(line: RunLine): Cell[] {
  const runs = [...line.runs].filter((r) => r.text.trim() !== "").sort((a, b) => a.x0 - b.x0);
  const cells: Cell[] = [];
  for (const r of runs) {
    const last = cells[cells.length - 1];
    const gap = last ? r.x0 - last.xEnd : Infinity;
    if (last && gap <= line.size * CELL_GAP_EM) {
      last.text += (gap > line.size * 0.2 && !/\s$/.test(last.text) && !/^\s/.test(r.text) ? " " : "") + r.text;
      last.xEnd = Math.max(last.xEnd, r.xEnd);
      if (!r.mono) delete last.mono;
    } else cells.push({ x0: r.x0, xEnd: r.xEnd, text: r.text, ...(r.mono ? { mono: true } : {}) });
  }
  return cells.map((c) => ({ ...c, text: c.text.replace(/\s+/g, " ").trim() }));
}

/** The columns of a block of lines: the spans left when every cell's extent is merged with those it overlaps. */
function columnsOf(rows: Cell[][]): { x0: number; xEnd: number }[] {
  const spans = rows.flat().map((c) => ({ x0: c.x0, xEnd: c.xEnd })).sort((a, b) => a.x0 - b.x0);
  const out: { x0: number; xEnd: number }[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && s.x0 <= last.xEnd) last.xEnd = Math.max(last.xEnd, s.xEnd);
    else out.push({ ...s });
  }
  return out;
}

const columnOf = (cols: { x0: number; xEnd: number }[], c: Cell) => cols.findIndex((k) => c.x0 >= k.x0 && c.xEnd <= k.xEnd);

/** Whether a block is a table: enough rows, two columns or more, each row in two of them, cells short like cells. */
function isTable(rows: Cell[][], cols: { x0: number; xEnd: number }[]): boolean {
  if (rows.length < MIN_ROWS || cols.length < 2) return false;
  if (!rows.every((r) => new Set(r.map((c) => columnOf(cols, c))).size >= 2)) return false;
  // Code and console output set in a fixed-pitch font line up in columns too: it stays code, as written.
  if (rows.flat().filter((c) => c.mono).length * 2 > rows.flat().length) return false;
  // A list drawn with its markers apart (bullets, `9.1` section numbers in a contents list) leaves a river too: a
  // first column of nothing but markers, header row included, is a list, not a table.
  if (rows.every((r) => LIST_MARKER.test(r.filter((c) => columnOf(cols, c) === 0).map((c) => c.text).join(" ")))) return false;
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const all = rows.flat();
  const lengths = all.map((c) => c.text.length);
  return median([...lengths]) <= 40 && Math.max(...lengths) <= 120 && median(all.map((c) => c.text.split(" ").length)) < 5;
}

/** A Markdown row: each column's cells joined, `|` in a cell escaped. */
function row(cells: Cell[], cols: { x0: number; xEnd: number }[]): string {
  const texts = cols.map(() => [] as string[]);
  for (const c of cells) texts[columnOf(cols, c)]!.push(c.text);
  return `| ${texts.map((t) => t.join(" ").replace(/\|/g, "\\|")).join(" | ")} |`;
}

/** The page's lines with each table found replaced by its Markdown rows (header, delimiter, body), marked `table`. */
export function markdownTables(lines: RunLine[]): TableLine[] {
  const cells = lines.map(cellsOf);
  const out: TableLine[] = [];
  for (let i = 0; i < lines.length; ) {
    if (cells[i]!.length < 2) {
      out.push(lines[i]!);
      i++;
      continue;
    }
    // Grow the block down the page while the next line keeps the columns apart.
    let end = i + 1;
    let cols = columnsOf([cells[i]!]);
    while (end < lines.length && cells[end]!.length >= 2) {
      const prev = lines[end - 1]!;
      const next = lines[end]!;
      const step = prev.y - next.y;
      if (step <= 0 || step > Math.max(prev.size, next.size) * 2.5) break;
      const grown = columnsOf(cells.slice(i, end + 1));
      if (grown.length < Math.min(cols.length, 2) || (end - i >= 2 && grown.length < cols.length)) break;
      cols = grown;
      end++;
    }
    const rows = cells.slice(i, end);
    cols = columnsOf(rows);
    if (!isTable(rows, cols)) {
      out.push(lines[i]!);
      i++;
      continue;
    }
    rows.forEach((r, k) => {
      const line = lines[i + k]!;
      out.push({ text: row(r, cols), y: line.y, size: line.size, table: true });
      if (k === 0) out.push({ text: `| ${cols.map(() => "---").join(" | ")} |`, y: line.y, size: line.size, table: true });
    });
    i = end;
  }
  return out;
}

/** One line of a page, as laid out: its text, baseline and font size, and whether a paragraph starts with it. */
export interface PageLine {
  text: string;
  y: number;
  size: number;
  /** A vertical gap (or a jump up, as to a new column) separates this line from the one before. */
  paragraph: boolean;
  /** A row of a Markdown table (--tables markdown): kept on a line of its own, never joined. */
  table?: boolean;
}

/** The parts of a pdf.js text item this module reads. */
export interface TextItemLike {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL?: boolean;
  fontName?: string;
  /** Set by the page reader for --tables markdown: the run's font is fixed-pitch (pdf.js says monospace). */
  mono?: boolean;
}

/** A line as grouped from glyph runs, before its text is settled: its runs' places are kept for table detection. */
export interface RunLine {
  text: string;
  y: number;
  size: number;
  x0: number;
  xEnd: number;
  /** Where each glyph run sits on the line (left edge, right edge, text). */
  runs: { x0: number; xEnd: number; text: string; mono?: boolean }[];
}

/**
 * Lines from glyph runs, in content-stream order (which keeps columns apart): a new line where the baseline moves
 * by more than half the font size or the text jumps back left; a space where the horizontal gap between runs is
 * wider than ~0.2 em, none inside words; a paragraph where the line gap is well above the page's usual leading.
 */
export function layoutLines(items: TextItemLike[]): PageLine[] {
  return settleLines(groupRuns(items));
}

/** Glyph runs grouped into lines (see {@link layoutLines}), each run's place kept. */
export function groupRuns(items: TextItemLike[]): RunLine[] {
  const lines: RunLine[] = [];
  let cur: RunLine | undefined;
  let pendingEol = false;
  for (const it of items) {
    if (typeof it.str !== "string") continue;
    const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = it.transform;
    const size = Math.hypot(c, d) || Math.hypot(a, b) || it.height || 1;
    if (it.str === "") {
      if (it.hasEOL) pendingEol = true;
      continue;
    }
    const sameLine = cur && !pendingEol && Math.abs(y - cur.y) <= Math.max(size, cur.size) * 0.5 && x >= cur.x0 - size * 0.5 && x - cur.xEnd > -size;
    if (!sameLine) {
      if (cur) lines.push(cur);
      cur = { text: it.str, y, size, x0: x, xEnd: x + it.width, runs: [{ x0: x, xEnd: x + it.width, text: it.str, ...(it.mono ? { mono: true } : {}) }] };
    } else {
      const gap = x - cur!.xEnd;
      const needsSpace = gap > Math.max(size, cur!.size) * 0.2 && !/\s$/.test(cur!.text) && !/^\s/.test(it.str);
      cur!.text += (needsSpace ? " " : "") + it.str;
      cur!.xEnd = Math.max(cur!.xEnd, x + it.width);
      cur!.size = Math.max(cur!.size, size);
      cur!.runs.push({ x0: x, xEnd: x + it.width, text: it.str, ...(it.mono ? { mono: true } : {}) });
    }
    pendingEol = !!it.hasEOL;
  }
  if (cur) lines.push(cur);
  return lines;
}

/** Grouped lines as page lines: whitespace collapsed, empty lines dropped, paragraph starts found by the leading. */
export function settleLines(lines: { text: string; y: number; size: number; table?: boolean }[]): PageLine[] {
  const kept = lines.map((l) => ({ ...l, text: l.table ? l.text : l.text.replace(/\s+/g, " ").trim() })).filter((l) => l.text !== "");
  // The page's usual leading: the median baseline step between consecutive lines going down.
  const steps = kept
    .slice(1)
    .map((l, i) => kept[i]!.y - l.y)
    .filter((s) => s > 0)
    .sort((p, q) => p - q);
  const leading = steps.length ? steps[Math.floor(steps.length / 2)]! : 0;
  return kept.map((l, i) => {
    const prev = kept[i - 1];
    const step = prev ? prev.y - l.y : 0;
    const paragraph = !!prev && (step < -l.size || (leading > 0 && step > leading * 1.45 && step > l.size * 1.2));
    return { text: l.text, y: l.y, size: l.size, paragraph, ...(l.table ? { table: true } : {}) };
  });
}

import { PrepError, type SourceItem } from "../record.js";

/** One bound of a slice: a row index (negative: from the end) or a percentage of the split's rows. */
export interface Bound {
  value: number;
  percent: boolean;
}

/** One part of a split spec as Hugging Face `datasets` writes it: `train`, `train[:100]`, `train[10%:20%]`. */
export interface SplitPart {
  split: string;
  from?: Bound;
  to?: Bound;
}

const PART = /^([A-Za-z0-9_.-]+)(?:\[\s*(-?\d+(?:\.\d+)?%?)?\s*:\s*(-?\d+(?:\.\d+)?%?)?\s*\])?$/;

/**
 * Parse a split spec of `datasets`' slicing syntax: parts joined by `+`, each a split name with an optional
 * `[from:to]` of row indices (negative from the end) or percentages. Undefined for a plain split name.
 */
export function parseSplitSpec(spec: string): SplitPart[] | undefined {
  if (!/[[+]/.test(spec)) return undefined;
  return spec.split("+").map((raw) => {
    const m = PART.exec(raw.trim());
    if (!m) throw new PrepError(`--split ${spec}: "${raw.trim()}" is not a split with an optional [from:to] slice (e.g. train[:100], train[10%:20%], train+validation)`, 2);
    const bound = (s: string | undefined): Bound | undefined => {
      if (s === undefined) return undefined;
      const percent = s.endsWith("%");
      const value = Number(percent ? s.slice(0, -1) : s);
      if (!percent && !Number.isInteger(value)) throw new PrepError(`--split ${spec}: a row index must be a whole number (${s})`, 2);
      if (percent && (value < -100 || value > 100)) throw new PrepError(`--split ${spec}: a percentage is between -100% and 100% (${s})`, 2);
      return { value, percent };
    };
    return { split: m[1]!, ...(m[2] !== undefined ? { from: bound(m[2]) } : {}), ...(m[3] !== undefined ? { to: bound(m[3]) } : {}) };
  });
}

/** Python's round(): to the nearest integer, halves to the even one (what `datasets` uses for percentages). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (Math.abs(d - 0.5) < 1e-9) return f % 2 === 0 ? f : f + 1;
  return Math.round(x);
}

/** Whether a part's rows can only be picked once the split's row count is known. */
export function needsCount(p: SplitPart): boolean {
  return [p.from, p.to].some((b) => b !== undefined && (b.percent || b.value < 0));
}

/** A part's rows as [start, end) of a split of `total` rows, as `datasets` computes them ("closest" rounding). */
export function sliceBounds(p: SplitPart, total: number): [number, number] {
  const abs = (b: Bound | undefined, dflt: number) => {
    if (!b) return dflt;
    const v = b.percent ? roundHalfEven((b.value * total) / 100) : b.value;
    return Math.min(total, Math.max(0, v < 0 ? total + v : v));
  };
  const start = abs(p.from, 0);
  return [start, Math.max(start, abs(p.to, total))];
}

/** The rows of one part: the slice of the split's rows (findings pass through); `total` when the count is needed. */
export async function* sliceRows(rows: AsyncIterable<SourceItem>, p: SplitPart, total?: number): AsyncGenerator<SourceItem> {
  const [start, end] = total !== undefined ? sliceBounds(p, total) : [p.from?.value ?? 0, p.to?.value ?? Infinity];
  let i = 0;
  for await (const r of rows) {
    if (r.type === "finding") {
      yield r;
      continue;
    }
    if (i >= end) break;
    if (i++ >= start) yield r;
  }
}

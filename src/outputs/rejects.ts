import type { Finding, Row } from "../record.js";

/**
 * One line of a `--rejects` file: a refused row, page or record with where it came from, why, and what it was.
 * `values` is the row as read (columns → values), `record` the record built from it when the refusal came after
 * the record was made (a schema or model rule), `raw` the input where there was no row (a broken JSON line's text,
 * a ragged CSV row's fields).
 */
export interface RejectLine {
  source: string;
  line?: number;
  column?: number;
  row?: number;
  byte?: number;
  pages?: [number, number];
  /** A text file's line range, an HTML file's paragraph range (instead of pages). */
  lines?: [number, number];
  paragraphs?: [number, number];
  reason: string;
  message: string;
  /** Set for a warning whose input was not used in full (a teacher's reply with fewer pairs than asked). */
  severity?: "warning";
  /** How many source rows it stands for, when more than one (an unreadable Parquet row group). */
  rows?: number;
  values?: Record<string, unknown>;
  record?: unknown;
  raw?: unknown;
}

/** The `--rejects` line for a refusal (an error finding), with the row and record where the run had them. */
export function rejectLine(f: Finding, row?: Row, record?: unknown): RejectLine {
  const o = f.origin;
  return {
    source: o.source,
    ...(o.line !== undefined ? { line: o.line } : {}),
    ...(o.column !== undefined ? { column: o.column } : {}),
    ...(o.row !== undefined ? { row: o.row } : {}),
    ...(o.byte !== undefined ? { byte: o.byte } : {}),
    ...(o.pages ? { [o.rangeUnit ?? "pages"]: o.pages } : {}),
    reason: f.reason,
    message: f.message,
    ...(f.severity === "warning" ? { severity: "warning" as const } : {}),
    ...(f.rows !== undefined && f.rows !== 1 ? { rows: f.rows } : {}),
    ...(row ? { values: visibleValues(row.values) } : {}),
    ...(record !== undefined ? { record } : {}),
    ...(f.raw !== undefined ? { raw: f.raw } : {}),
  };
}

/** A row's values without the run's own bookkeeping columns (keys starting with NUL: chunk markers). */
function visibleValues(values: Record<string, unknown>): Record<string, unknown> {
  let own = false;
  for (const k in values) if (k.charCodeAt(0) === 0) own = true;
  if (!own) return values;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (k.charCodeAt(0) !== 0) out[k] = v;
  return out;
}

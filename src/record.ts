/** Where a row, record or finding came from: enough for a user to open the file and look. */
export interface Origin {
  /** File path, `hf:owner/name@rev/path`, or `-` for stdin. */
  source: string;
  /** 1-based line in the source file (first line of the record for multi-line CSV rows). */
  line?: number;
  /** 1-based column, for JSON syntax errors. */
  column?: number;
  /** 0-based byte offset in the file, for encoding errors. */
  byte?: number;
  /** 0-based data row index within the source (header excluded). */
  row?: number;
  /** 1-based page range for document sources (lines or paragraphs where `rangeUnit` says so). */
  pages?: [number, number];
  /** What `pages` counts for a text file (`lines`) or an HTML file (`paragraphs`); default pages. */
  rangeUnit?: "lines" | "paragraphs" | "slides" | "chapters" | "pages";
  /** The heading path in force where a chunk of a structured document starts (`["# Guide", "## Install"]`). */
  headings?: string[];
  /** Further provenance carried to --metadata (synthetic or original, teacher, topic). */
  meta?: Record<string, unknown>;
}

/** One row of tabular input: column name → value. */
export interface Row {
  type: "row";
  values: Record<string, unknown>;
  origin: Origin;
  /** Part k ≥ 1 of the row before it (a chunk of a long value): read once, so not counted again, nor by --limit. */
  part?: number;
}

/** Something wrong with the input, the transform or the record: never silently dropped. */
export interface Finding {
  type: "finding";
  /** Short machine-readable reason, used to count rejections (e.g. `ragged-row`, `schema`). */
  reason: string;
  message: string;
  origin: Origin;
  severity: "error" | "warning";
  /** How many source rows this finding stands for (a corrupt Parquet row group: its rows); default 1. */
  rows?: number;
  /** The input as read, where there is one that is not a row (a JSON line's text, a ragged CSV row's fields): for --rejects. */
  raw?: unknown;
}

export type SourceItem = Row | Finding;

/** A format-independent record: what templates and converters build, and formats render. */
export type Draft = ChatDraft | TextDraft;

export interface Turn {
  role: "user" | "assistant";
  content: string;
}

export interface ChatDraft {
  kind: "chat";
  system?: string;
  /** A label for the record (evaluation prompts' `category`); formats without one ignore it. */
  category?: string;
  /** RFT: the reference answer the grader reads (any JSON); formats without one ignore it. */
  reference?: unknown;
  /** RFT: the record's id. */
  id?: string;
  /** Nova 2: the assistant's reasoning before its (last) answer. */
  reasoning?: string;
  /** Media of the (first) user turn: an s3:// URI, or a local path until it is uploaded (--media-prefix). */
  media?: MediaRef[];
  /** Preference (DPO): the preferred and the rejected answer to the last user turn. */
  preference?: { preferred: string; rejected: string };
  turns: Turn[];
  origin: Origin;
}

export interface MediaRef {
  kind: "image" | "video" | "document";
  ref: string;
}

export interface TextDraft {
  kind: "text";
  text: string;
  origin: Origin;
}

export function finding(
  reason: string,
  message: string,
  origin: Origin,
  severity: "error" | "warning" = "error",
): Finding {
  return { type: "finding", reason, message, origin, severity };
}

export function describeOrigin(o: Origin): string {
  let s = o.source;
  if (o.line !== undefined) s += `:${o.line}${o.column !== undefined ? `:${o.column}` : ""}`;
  else if (o.row !== undefined) s += ` row ${o.row}`;
  if (o.pages) {
    const [one, many] = o.rangeUnit === "lines" ? ["line", "lines"] : o.rangeUnit === "paragraphs" ? ["paragraph", "paragraphs"] : o.rangeUnit === "slides" ? ["slide", "slides"] : o.rangeUnit === "chapters" ? ["chapter", "chapters"] : ["page", "pages"];
    s += o.pages[0] === o.pages[1] ? ` ${one} ${o.pages[0]}` : ` ${many} ${o.pages[0]}-${o.pages[1]}`;
  }
  return s;
}

/**
 * An error the user can act on; the CLI prints its message on one line and exits with `exitCode`:
 * 2 usage, 3 the run failed and wrote nothing usable. (1, "some input rejected", is for findings, not errors;
 * a PrepError with code 1 that ends a run exits 3.)
 */
export class PrepError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 3 = 1,
    /** The finding reason when this error ends one input of several (default `file`). */
    readonly reason = "file",
  ) {
    super(message);
    this.name = "PrepError";
  }
}

/** A draft without its origin: what a format turns a record back into. */
export type DraftBody = Omit<ChatDraft, "origin"> | Omit<TextDraft, "origin">;

import { PrepError, finding, type SourceItem } from "../record.js";
import { readCsv, type CsvOptions } from "./csv.js";
import { readJson, readJsonl } from "./json.js";
import { dataKind } from "./open.js";
import { readParquet } from "./parquet.js";

export interface TableOptions extends CsvOptions {
  /** Override the kind the extension implies (needed for stdin). */
  kind?: "csv" | "tsv" | "jsonl" | "json" | "parquet";
  /** JSON: the key holding the row array when the file is one object. */
  field?: string;
  /** Parquet: one task's block of row groups (or rows). */
  shard?: { index: number; count: number };
}

/** Rows of a local data file, by its extension: CSV/TSV, JSON Lines, JSON, Parquet (optionally .gz except Parquet). */
export function readTable(path: string, opts: TableOptions = {}): AsyncGenerator<SourceItem> {
  const kind = opts.kind ?? dataKind(path);
  switch (kind) {
    case "csv":
      return readCsv(path, opts);
    case "tsv":
      return readCsv(path, { delimiter: "\t", ...opts });
    case "jsonl":
      return readJsonl(path, opts);
    case "json":
      return readJson(path, opts);
    case "parquet":
      return readParquet(path, opts);
    default:
      throw new PrepError(
        `${path}: cannot tell the data format from the name; expected .csv, .tsv, .jsonl, .json or .parquet (or pass --input-format)`,
        2,
      );
  }
}

/** Several files as one source, in order: a file that cannot be read is a finding, and the next file is read. */
export async function* readFiles(paths: string[], opts: TableOptions = {}): AsyncGenerator<SourceItem> {
  for (const p of paths) {
    try {
      yield* readTable(p, opts);
    } catch (e) {
      if (!(e instanceof PrepError) || e.exitCode === 2) throw e;
      yield finding(e.reason, e.message.startsWith(`${p}: `) ? e.message.slice(p.length + 2) : e.message, { source: p });
    }
  }
}

import { PrepError, finding, type SourceItem } from "../record.js";
import { readCsv, type CsvOptions } from "./csv.js";
import { readJson, readJsonl } from "./json.js";
import { dataKind } from "./open.js";
import type { readParquet as ReadParquet } from "./parquet.js";
import { byteRange, rangeable } from "./range.js";

export interface TableOptions extends CsvOptions {
  /** Override the kind the extension implies (needed for stdin). */
  kind?: "csv" | "tsv" | "jsonl" | "json" | "parquet";
  /** JSON: the key holding the row array when the file is one object. */
  field?: string;
  /**
   * One task of a sharded run over this file: Parquet a block of its row groups, CSV/TSV/JSON Lines a byte range
   * aligned to records, anything else (JSON, .gz, stdin, S3 text, another encoding) every N-th item.
   */
  shard?: { index: number; count: number };
  /** With `shard`: told which part of the file the task reads. */
  onPart?: (part: ShardPart) => void;
}

/** Which part of a single input file a shard read. */
export interface ShardPart {
  bytes?: [number, number];
  firstLine?: number;
  rows?: "row groups" | "every N-th";
}

/** Rows of a local data file, by its extension: CSV/TSV, JSON Lines, JSON, Parquet (optionally .gz except Parquet). */
export function readTable(path: string, opts: TableOptions = {}): AsyncGenerator<SourceItem> {
  const kind = opts.kind ?? dataKind(path);
  if (opts.shard && kind !== "parquet") return readShard(path, kind, opts.shard, opts);
  if (opts.shard) opts.onPart?.({ rows: "row groups" });
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
      return parquet(path, opts);
    default:
      throw new PrepError(
        `${path}: cannot tell the data format from the name; expected .csv, .tsv, .jsonl, .json or .parquet (or pass --input-format)`,
        2,
      );
  }
}

/** Parquet's reader (hyparquet and its codecs) is loaded only for a Parquet file: CSV and JSON runs skip compiling it. */
async function* parquet(...args: Parameters<typeof ReadParquet>): AsyncGenerator<SourceItem> {
  const { readParquet } = await import("./parquet.js");
  yield* readParquet(...args);
}

/** One task's part of a text table: its byte range when the file allows one, else every N-th item. */
async function* readShard(path: string, kind: TableOptions["kind"], shard: { index: number; count: number }, opts: TableOptions): AsyncGenerator<SourceItem> {
  const { shard: _, onPart, ...rest } = opts;
  if (rangeable(path, kind) && (!opts.encoding || /^utf-?8$/i.test(opts.encoding))) {
    const range = await byteRange(path, shard, { csv: kind !== "jsonl", quote: opts.quote, delimiter: opts.delimiter ?? (kind === "tsv" ? "\t" : ",") });
    onPart?.({ bytes: [range.start, range.end], firstLine: range.firstLine });
    yield* readTable(path, { ...rest, kind, range });
    return;
  }
  onPart?.({ rows: "every N-th" });
  let i = 0;
  for await (const x of readTable(path, { ...rest, kind })) if (i++ % shard.count === shard.index) yield x;
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

import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { isUtf8 } from "node:buffer";
import { finding, PrepError, type Finding, type SourceItem } from "../record.js";

export interface ParquetOptions {
  name?: string;
  /** Only these columns are decoded (all by default). */
  columns?: string[];
  /** Told the compressed bytes of each row group once it is read (for progress). */
  onBytes?: (n: number) => void;
  /**
   * One task of a sharded run: its contiguous block of row groups (when the file has at least as many row groups
   * as tasks), else its contiguous block of rows. Row numbers stay the file's.
   */
  shard?: { index: number; count: number };
}

/**
 * Parquet values as template text wants them: binary (BYTE_ARRAY without a UTF8 annotation) decoded as UTF-8,
 * timestamps as ISO-8601 strings. Binary that is not UTF-8 cannot be text: the row is a finding.
 */
function normalise(row: Record<string, unknown>): { values: Record<string, unknown> } | { bad: string } {
  for (const [k, v] of Object.entries(row)) {
    if (v instanceof Date) row[k] = Number.isNaN(v.getTime()) ? null : v.toISOString();
    else if (v instanceof Uint8Array) {
      if (!isUtf8(v)) return { bad: k };
      row[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("utf8");
    }
  }
  return { values: row };
}

/** Rows of a Parquet file, one row group at a time (hyparquet), so memory follows the row group, not the file. */
export async function* readParquet(path: string, opts: ParquetOptions = {}): AsyncGenerator<SourceItem> {
  const name = opts.name ?? path;
  if (path === "-") throw new PrepError("Parquet cannot be read from stdin; pass a file path", 2);
  let file;
  let metadata;
  try {
    file = path.startsWith("s3://") ? await (await import("../s3/s3.js")).s3AsyncBuffer(path) : await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    yield finding("parquet", `not a readable Parquet file: ${(e as Error).message}`, { source: name });
    return;
  }
  // The rows this run reads: all, or one task's block (aligned to row groups when there are enough of them).
  const starts: number[] = [0];
  for (const g of metadata.row_groups) starts.push(starts.at(-1)! + Number(g.num_rows));
  let lo = 0;
  let hi = starts.at(-1)!;
  if (opts.shard) {
    const { index, count } = opts.shard;
    const groups = metadata.row_groups.length;
    if (groups >= count) [lo, hi] = [starts[Math.floor((groups * index) / count)]!, starts[Math.floor((groups * (index + 1)) / count)]!];
    else [lo, hi] = [Math.floor((hi * index) / count), Math.floor((hi * (index + 1)) / count)];
  }
  for (let gi = 0; gi < metadata.row_groups.length; gi++) {
    const group = metadata.row_groups[gi]!;
    const rowStart = Math.max(starts[gi]!, lo);
    const rowEnd = Math.min(starts[gi + 1]!, hi);
    if (rowStart >= rowEnd) continue;
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, columns: opts.columns, compressors, utf8: false }); // binary as bytes: checked below, never replaced silently
    } catch (e) {
      // The whole row group is lost: it counts as its rows, not as one.
      const f: Finding = { ...finding("parquet", `row group of rows ${rowStart}-${rowEnd - 1} (${rowEnd - rowStart} rows) cannot be read: ${(e as Error).message}`, { source: name, row: rowStart }), rows: rowEnd - rowStart };
      yield f;
      continue;
    }
    opts.onBytes?.(group.columns.reduce((a, c) => a + Number(c.meta_data?.total_compressed_size ?? 0), 0));
    for (let i = 0; i < rows.length; i++) {
      const origin = { source: name, row: rowStart + i };
      const n = normalise(rows[i]!);
      if ("bad" in n) yield finding("encoding", `column ${n.bad} holds binary data that is not UTF-8 text`, origin);
      else yield { type: "row", values: n.values, origin };
    }
  }
}

import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { finding, PrepError, type SourceItem } from "../record.js";

export interface ParquetOptions {
  name?: string;
  /** Only these columns are decoded (all by default). */
  columns?: string[];
}

/** Rows of a Parquet file, one row group at a time (hyparquet), so memory follows the row group, not the file. */
export async function* readParquet(path: string, opts: ParquetOptions = {}): AsyncGenerator<SourceItem> {
  const name = opts.name ?? path;
  if (path === "-") throw new PrepError("Parquet cannot be read from stdin; pass a file path", 2);
  let file;
  let metadata;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    yield finding("parquet", `not a readable Parquet file: ${(e as Error).message}`, { source: name });
    return;
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, columns: opts.columns, compressors });
    } catch (e) {
      yield finding("parquet", `rows ${rowStart}-${rowEnd - 1}: ${(e as Error).message}`, { source: name, row: rowStart });
      rowStart = rowEnd;
      continue;
    }
    for (let i = 0; i < rows.length; i++) {
      yield { type: "row", values: rows[i]!, origin: { source: name, row: rowStart + i } };
    }
    rowStart = rowEnd;
  }
}

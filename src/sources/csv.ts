import { parse, type CsvError } from "csv-parse";
import { finding, type Origin, type SourceItem } from "../record.js";
import { Utf8Tracker } from "./encoding.js";
import { invalidUtf8Finding } from "./json.js";
import { openUtf8 } from "./open.js";

export interface CsvOptions {
  /** Field delimiter; default `,` (`\t` for .tsv). */
  delimiter?: string;
  quote?: string;
  escape?: string;
  /** Text encoding when the file has no byte-order mark: utf8 (default), utf16le, utf16be, latin1. */
  encoding?: string;
  /** First row is the header (default true); otherwise columns are named col1, col2, … */
  header?: boolean;
  /** Lines starting with this character are comments. */
  comment?: string;
  /** Name used in findings (defaults to the path). */
  name?: string;
  /** Told the bytes of the file as they are read (for progress). */
  onBytes?: (n: number) => void;
  /** Read only this byte range (one task of a sharded run), after the header; lines keep the file's numbers. */
  range?: import("./range.js").ByteRange;
}

const NEWLINES = /\r\n|\r|\n/g;

/**
 * Rows of a CSV file (RFC 4180: quoted fields, embedded newlines, `""` escapes; BOM; LF, CRLF or CR).
 * A ragged row or a malformed quote is a finding with its line; parsing goes on with the next row.
 * Records and findings come out in file order; no more than one input chunk's worth is parsed ahead.
 */
export async function* readCsv(path: string, opts: CsvOptions = {}): AsyncGenerator<SourceItem> {
  const name = opts.name ?? path;
  const delimiter = opts.delimiter ?? (/\.tsv(\.gz)?$/i.test(path) ? "\t" : ",");
  const queue: SourceItem[] = [];
  let header: string[] | undefined = opts.header === false ? [] : undefined;
  let row = 0;
  // csv-parse counts a CRLF inside a quoted field as two lines; this undoes that so line numbers match editors.
  let overCount = 0;
  let sawFinding = false;
  // A byte range is read after the header's lines: shift the parser's numbers back to the file's.
  const lineShift = opts.range && opts.range.start > 0 ? opts.range.firstLine - 1 - (opts.range.header && opts.header !== false ? (opts.range.headerLines ?? 0) : 0) : 0;

  const tracker = new Utf8Tracker();
  const onRecord = (record: string[], lines: number, bytes: number): void => {
    let crlf = 0;
    let breaks = 0;
    for (const f of record) {
      if (f.length === 0) continue;
      if (!f.includes("\r")) {
        // The common case (LF files): count line feeds without a regular expression.
        for (let i = f.indexOf("\n"); i !== -1; i = f.indexOf("\n", i + 1)) breaks++;
        continue;
      }
      breaks += f.match(NEWLINES)?.length ?? 0;
      crlf += f.split("\r\n").length - 1;
    }
    overCount += crlf;
    const line = lines - overCount - breaks + lineShift;
    // Invalid UTF-8 in this record's bytes (csv-parse has replaced it with U+FFFD): the row is not written.
    const bad = tracker.pending.length ? tracker.claim(bytes) : [];
    if (header === undefined) {
      header = dedupeHeader(record);
      if (bad.length) {
        sawFinding = true;
        queue.push(invalidUtf8Finding({ source: name, line }, { byte: bad[0] }));
      }
      return;
    }
    const origin: Origin = opts.range ? { source: name, line } : { source: name, line, row };
    row++;
    if (bad.length) {
      sawFinding = true;
      queue.push(invalidUtf8Finding(origin, { byte: bad[0] }));
      return;
    }
    if (opts.header === false) {
      for (let i = header.length; i < record.length; i++) header.push(`col${i + 1}`);
    } else if (record.length !== header.length) {
      sawFinding = true;
      queue.push(finding("ragged-row", `row has ${record.length} field${record.length === 1 ? "" : "s"}, the header has ${header.length}`, origin));
      return;
    }
    const values: Record<string, unknown> = {};
    for (let i = 0; i < record.length; i++) values[header[i]!] = record[i];
    queue.push({ type: "row", values, origin });
  };

  const parser = parse({
    bom: true,
    delimiter,
    quote: opts.quote ?? '"',
    escape: opts.escape ?? '"',
    comment: opts.comment,
    relax_column_count: true,
    // Outside quotes each of CRLF, LF and CR ends a record, whatever the first line used.
    record_delimiter: ["\r\n", "\n", "\r"],
    // A quote inside an unquoted field (37°36'37.8"N) is kept as a character, as spreadsheets do.
    relax_quotes: true,
    skip_records_with_error: true,
    skip_empty_lines: true,
    on_record: (record: string[], context: { lines: number; bytes: number }) => {
      onRecord(record, context.lines, context.bytes);
      return null; // rows go through `queue`, in order with the findings below
    },
    on_skip: (err: CsvError | undefined) => {
      sawFinding = true;
      if (err) queue.push(finding("csv-syntax", err.message, { source: name, line: (err as CsvError & { lines?: number }).lines }));
    },
  });
  let failure: Error | undefined;
  parser.on("error", (e) => (failure = e));
  parser.resume();
  const feed = (piece: string | Buffer | undefined) =>
    new Promise<void>((res) => (piece === undefined ? parser.end(() => res()) : parser.write(piece, () => res())));

  const bytes = await openUtf8(path, opts.encoding, opts.onBytes, opts.range && opts.header === false ? { ...opts.range, header: undefined } : opts.range);
  try {
    for await (const piece of bytes as AsyncIterable<Buffer>) {
      tracker.push(piece);
      await feed(piece);
      if (failure) break;
      while (queue.length) yield queue.shift()!;
    }
    tracker.end();
    if (!failure) await feed(undefined);
    while (queue.length) yield queue.shift()!;
    if (failure) yield finding("csv-syntax", failure.message, { source: name, line: (failure as CsvError & { lines?: number }).lines });
    else if (row === 0 && !sawFinding && !opts.range) {
      // Say so rather than end quietly: often a wrong --delimiter or a file of one long line.
      yield finding("no-rows", header === undefined ? "the file is empty" : `no data rows after the header (${header.length} column${header.length === 1 ? "" : "s"}; check --delimiter)`, { source: name }, "warning");
    }
  } finally {
    // Stopped early (--limit) or failed: release the file.
    bytes.destroy();
    parser.destroy();
  }
}

/** Empty or repeated header names get a suffix so no column silently overwrites another. */
function dedupeHeader(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((raw, i) => {
    const base = raw === "" ? `col${i + 1}` : raw;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}_${n + 1}`;
  });
}

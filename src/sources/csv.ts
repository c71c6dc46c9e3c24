import { statSync } from "node:fs";
import type { CsvError } from "csv-parse";
import { drain, fastEligible, noRows, papaRecords } from "./csv-fast.js";
import { finding, PrepError, type Origin, type SourceItem } from "../record.js";
import { Utf8Tracker } from "./encoding.js";
import { rangeShift } from "./range.js";
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
  /** false: always csv-parse, never the papaparse fast path (which gives the same items when it applies). */
  fast?: boolean;
  /** Internal: the range continues a whole-file read after this many data rows (origins keep row numbers). */
  rowsFrom?: number;
}

const NEWLINES = /\r\n|\r|\n/g;

/**
 * Rows of a CSV file (RFC 4180: quoted fields, embedded newlines, `""` escapes; BOM; LF, CRLF or CR).
 * A ragged row or a malformed quote is a finding with its line; parsing goes on with the next row.
 * Records and findings come out in file order; no more than one input chunk's worth is parsed ahead.
 */
export async function* readCsv(path: string, opts: CsvOptions = {}): AsyncGenerator<SourceItem> {
  const name = opts.name ?? path;
  if (!opts.range) await refuseJsonLines(path, name);
  const delimiter = opts.delimiter ?? (/\.tsv(\.gz)?$/i.test(path) ? "\t" : ",");
  const queue: SourceItem[] = [];
  let header: string[] | undefined = opts.header === false ? [] : undefined;
  let row = 0;
  // csv-parse counts a CRLF inside a quoted field as two lines; this undoes that so line numbers match editors.
  let overCount = 0;
  let sawFinding = false;
  // A byte range is read after the header's lines: shift the parser's numbers back to the file's.
  // …and its byte offsets.
  const { lines: lineShift, bytes: byteShift } = rangeShift(opts.range, opts.header !== false);
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
    emit(record, line, tracker.pending.length ? tracker.claim(bytes) : []);
  };
  /** A record, at its first line in the file: the header, or a row (or a finding) in `queue`. */
  const emit = (record: string[], line: number, bad: number[]): void => {
    if (header === undefined) {
      header = dedupeHeader(record);
      if (bad.length) {
        sawFinding = true;
        queue.push(invalidUtf8Finding({ source: name, line }, { byte: bad[0]! + byteShift }));
      }
      return;
    }
    const origin: Origin = opts.range && opts.rowsFrom === undefined ? { source: name, line } : { source: name, line, row: row + (opts.rowsFrom ?? 0) };
    row++;
    if (bad.length) {
      sawFinding = true;
      queue.push(invalidUtf8Finding(origin, { byte: bad[0]! + byteShift }));
      return;
    }
    if (opts.header === false) {
      for (let i = header.length; i < record.length; i++) header.push(`col${i + 1}`);
    } else if (record.length !== header.length) {
      sawFinding = true;
      queue.push({ ...finding("ragged-row", `row has ${record.length} field${record.length === 1 ? "" : "s"}, the header has ${header.length}`, origin), raw: record });
      return;
    }
    const values: Record<string, unknown> = {};
    for (let i = 0; i < record.length; i++) values[header[i]!] = record[i];
    queue.push({ type: "row", values, origin });
  };

  // The fast path when papaparse reads these bytes exactly as csv-parse would (csv-fast.ts); csv-parse reads on
  // from the first row it would not.
  if (opts.fast !== false && fastEligible(path, opts, delimiter)) {
    const fast = papaRecords(path, opts, delimiter, (record, line) => emit(record, line, []), queue);
    let r = await fast.next();
    for (; !r.done; r = await fast.next()) yield r.value;
    const stop = r.value;
    // Nothing written yet (the first bytes were csv-parse's: UTF-16, a CR in the header): csv-parse from the start.
    if (stop && stop.rows === 0) {
      yield* readCsv(path, { ...opts, fast: false });
      return;
    }
    if (stop) {
      const end = opts.range ? opts.range.end : statSync(path).size;
      yield* readCsv(path, {
        ...opts,
        fast: false,
        rowsFrom: (opts.rowsFrom ?? 0) + stop.rows,
        range: { start: stop.offset, end, firstLine: stop.line, ...(stop.header ? { header: stop.header.bytes, headerLines: stop.header.lines } : {}) },
      });
      return;
    }
    if (row === 0 && !sawFinding && !opts.range) yield noRows(header, { source: name });
    return;
  }

  // csv-parse's line (in the finding and its message) is of what it read: after a byte range's start, the file's.
  const syntaxFinding = (e: Error): SourceItem => {
    const at = (e as CsvError & { lines?: number }).lines;
    const message = lineShift ? e.message.replace(/\bline (\d+)/g, (_, n: string) => `line ${Number(n) + lineShift}`) : e.message;
    return finding("csv-syntax", message, { source: name, line: at === undefined ? undefined : at + lineShift });
  };
  // csv-parse reads what the fast path leaves (loaded then: most CSV runs never need it).
  const { parse } = await import("csv-parse");
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
      if (err) queue.push(syntaxFinding(err));
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
      yield* drain(queue);
    }
    tracker.end();
    if (!failure) await feed(undefined);
    yield* drain(queue);
    if (failure) yield syntaxFinding(failure);
    else if (row === 0 && !sawFinding && !opts.range) {
      // Say so rather than end quietly: often a wrong --delimiter or a file of one long line.
      yield noRows(header, { source: name });
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

/**
 * JSON Lines given to `csv`: the first line is a JSON object. Refused with the command to use, instead of a header
 * of 9 "columns" cut from the JSON and every row ragged. Local files and stdin (peeked, not consumed).
 */
async function refuseJsonLines(path: string, name: string): Promise<void> {
  let head: string;
  if (path === "-") head = (await (await import("./open.js")).peekStdin(65536)).toString("utf8");
  else if (path.startsWith("s3://") || /\.gz$/i.test(path)) return;
  else {
    const { open } = await import("node:fs/promises");
    const fh = await open(path, "r").catch(() => undefined);
    if (!fh) return;
    try {
      const b = Buffer.alloc(65536);
      const { bytesRead } = await fh.read(b, 0, b.length, 0);
      head = b.toString("utf8", 0, bytesRead);
    } finally {
      await fh.close();
    }
  }
  const first = head.replace(/^\uFEFF/, "").split(/\r?\n/)[0]!.trim();
  if (!first.startsWith("{") || !first.endsWith("}")) return;
  try {
    if (typeof JSON.parse(first) !== "object") return;
  } catch {
    return;
  }
  throw new PrepError(`${name}: the first line is a JSON object, not a CSV header: this looks like JSON Lines; read it with prep-data json (the same options)`, 2);
}

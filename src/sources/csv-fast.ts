import { isAscii, isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import Papa from "papaparse";
import { finding, type Origin, type SourceItem } from "../record.js";
import type { CsvOptions } from "./csv.js";
import { openBytes } from "./open.js";
import { rangeShift } from "./range.js";

/**
 * The fast path of readCsv: papaparse (~5× csv-parse's speed: it finds quotes, delimiters and line feeds with
 * indexOf rather than a state machine per byte) for the files it reads exactly as csv-parse does — a local,
 * uncompressed file (or byte range) of valid UTF-8 with no carriage return anywhere, the default quote and escape
 * and no comment character (the bytes are checked as they are read). Anything else goes to csv-parse, which is the reference: mixed CRLF/LF/CR records,
 * CRLF kept inside quotes, invalid UTF-8 per row, comments. So does the rest of a file from the first row papaparse
 * finds a quote error in (or a row longer than {@link MAX_ROW_CHARS}): csv-parse reads on from that row's start,
 * with the same header, line and row numbers, so its findings and recovery are csv-parse's own.
 */

/** A row this long without its end in sight is left to csv-parse (papaparse would re-scan it chunk after chunk). */
export const MAX_ROW_CHARS = 4 << 20;

/** Whether the options allow the fast path at all (before looking at the bytes). */
export function fastEligible(path: string, opts: CsvOptions, delimiter: string): boolean {
  if (path === "-" || path.startsWith("s3://") || /\.gz$/i.test(path)) return false;
  if (opts.encoding && !/^utf-?8$/i.test(opts.encoding)) return false;
  if ((opts.quote ?? '"') !== '"' || (opts.escape ?? '"') !== '"' || opts.comment) return false;
  return delimiter.length === 1 && !['"', "\r", "\n", "\uFEFF"].includes(delimiter);
}

/**
 * Bytes the fast path reads as csv-parse does, checked chunk by chunk: no CR, no NUL (UTF-16 without a byte-order
 * mark, which openUtf8 names), valid UTF-8 — a sequence cut by a chunk's end is checked with the next chunk.
 */
export class ByteCheck {
  private carry: Buffer | undefined;

  ok(raw: Buffer): boolean {
    const buf = this.carry ? Buffer.concat([this.carry, raw]) : raw;
    if (buf.indexOf(13) !== -1 || buf.indexOf(0) !== -1) return false;
    // Back to the start of a sequence the chunk may have cut (at most 3 continuation bytes before it).
    let cut = buf.length;
    for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
      const b = buf[i]!;
      if (b < 0x80) break;
      if (b >= 0xc0) {
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (buf.length - i < need) cut = i;
        break;
      }
    }
    if (!isUtf8(buf.subarray(0, cut))) return false;
    this.carry = cut < buf.length ? Buffer.from(buf.subarray(cut)) : undefined;
    return true;
  }

  /** At the end: no sequence left unfinished. */
  end(): boolean {
    return this.carry === undefined || isUtf8(this.carry);
  }
}

/** Whether the fast path would read all of a file (tests and diagnostics; readCsv checks as it reads). */
export async function fastBytes(path: string): Promise<boolean> {
  const check = new ByteCheck();
  for await (const raw of createReadStream(path, { highWaterMark: 1 << 20 })) if (!check.ok(raw as Buffer)) return false;
  return check.end();
}

/** Where the fast path stopped: csv-parse reads on from here. */
export interface FastStop {
  /** Byte offset in the file of the row to read next. */
  offset: number;
  /** Its line in the file. */
  line: number;
  /** Data rows before it. */
  rows: number;
  /** The header record's bytes and lines, for csv-parse to read first. */
  header?: { bytes: Buffer; lines: number };
}

/**
 * Rows (as readCsv makes them) from the fast path, then `{ stop }` when the rest must go to csv-parse. `row`
 * builds an item from a record and its first line, exactly as csv-parse's path does (header, ragged rows, names).
 */
export async function* papaRecords(
  path: string,
  opts: CsvOptions,
  delimiter: string,
  row: (record: string[], line: number) => void,
  queue: SourceItem[],
): AsyncGenerator<SourceItem, FastStop | undefined> {
  const range = opts.range;
  const input = await openBytes(path, opts.onBytes, range && opts.header === false ? { ...range, header: undefined } : range);
  const check = new ByteCheck();
  const decoder = new TextDecoder("utf-8");
  // Stream lines + shift.lines = the file's; fileOffset: the file's byte position of what is not yet parsed.
  const shift = rangeShift(range, opts.header !== false);
  let fileOffset = shift.bytes;
  let line = 1; // stream line of `pending`'s first character
  let pending = "";
  let firstChunk = true;
  let records = 0; // records seen (header included)
  let headerRaw: string | undefined;
  let stop: { at: number; line: number } | undefined;
  let lastEnd = 0;
  let lastLine = 1;
  // Quotes, then blanks, then the delimiter or a line end: harmless only as escaped quotes ("") inside a quoted
  // field's text — an even run after a character that cannot end a field; any other such run may close a field
  // papaparse would read with the blanks dropped.
  const quotesThenBlanks = new RegExp(`"+[ \\t]+(?=${delimiter.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}|\\n|$)`, "g");
  const blankAfterClosingQuote = (text: string): boolean => {
    quotesThenBlanks.lastIndex = 0;
    for (let m = quotesThenBlanks.exec(text); m !== null; m = quotesThenBlanks.exec(text)) {
      const run = m[0].length - m[0].replace(/^"+/, "").length;
      const before = m.index > 0 ? text[m.index - 1] : undefined;
      if (run % 2 === 0 && before !== undefined && before !== delimiter && before !== "\n") continue;
      return true;
    }
    return false;
  };
  const parser = new Papa.Parser({
    delimiter,
    newline: "\n",
    quoteChar: '"',
    escapeChar: '"',
    // Papa.Parser (not Papa.parse) hands each step the rows parsed since the last: exactly one here.
    step: (r: { data: string[][]; errors: unknown[]; meta: { cursor: number } }) => {
      if (stop) return;
      const end = r.meta.cursor;
      const text = pending.slice(lastEnd, end);
      // A quote papaparse reads otherwise than csv-parse would — a quote error, or a closing quote followed by
      // blanks before the delimiter (papaparse drops them, csv-parse refuses the row) — and csv-parse takes over.
      if (r.errors.length || ((text.includes('" ') || text.includes('"\t')) && blankAfterClosingQuote(text))) {
        stop = { at: lastEnd, line: lastLine };
        (parser as unknown as { abort(): void }).abort();
        return;
      }
      const startLine = lastLine;
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lastLine++;
      lastEnd = end;
      const record = r.data[0]!;
      if (text === "\n" || text === "") return; // an empty line (csv-parse's skip_empty_lines); `""` is a record
      if (records++ === 0 && opts.header !== false) headerRaw = text.endsWith("\n") ? text : `${text}\n`;
      row(record, startLine + shift.lines);
    },
  } as unknown as Papa.ParseConfig);
  const parse = (final: boolean): void => {
    lastEnd = 0;
    lastLine = line;
    (parser as unknown as { parse(input: string, base: number, ignoreLastRow: boolean): unknown }).parse(pending, 0, !final);
    if (stop) return;
    const consumed = pending.slice(0, lastEnd);
    fileOffset += Buffer.byteLength(consumed);
    line = lastLine;
    pending = pending.slice(lastEnd);
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      // Bytes papaparse would not read as csv-parse does (a CR, a NUL — UTF-16 without a BOM —, invalid UTF-8):
      // csv-parse reads on from the first row not yet parsed.
      if (!check.ok(chunk)) {
        stop = { at: 0, line };
        break;
      }
      const first = firstChunk;
      if (firstChunk) {
        firstChunk = false;
        // TextDecoder drops a leading BOM; its 3 bytes still count for offsets.
        if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) fileOffset += 3;
      }
      // An ASCII chunk (the check above leaves the decoder nothing pending before one) is its own Latin-1 text, a
      // copy instead of a decode; the first goes through the decoder, which drops a leading byte-order mark.
      pending += !first && isAscii(chunk) ? chunk.toString("latin1") : decoder.decode(chunk, { stream: true });
      parse(false);
      yield* drain(queue);
      if (!stop && pending.length > MAX_ROW_CHARS) stop = { at: 0, line };
      if (stop) break;
    }
    if (!stop && !check.end()) stop = { at: 0, line };
    if (!stop) {
      pending += decoder.decode();
      parse(true);
      yield* drain(queue);
    }
  } finally {
    input.destroy();
  }
  if (!stop) return undefined;
  const offset = fileOffset + Buffer.byteLength(pending.slice(0, stop.at));
  const header = opts.header === false ? undefined : range?.header ? { bytes: range.header, lines: range.headerLines ?? 1 } : headerRaw ? { bytes: Buffer.from(headerRaw), lines: (headerRaw.match(/\n/g) ?? []).length } : undefined;
  return { offset, line: stop.line + shift.lines, rows: Math.max(0, records - (opts.header === false ? 0 : 1)), header };
}

/** The finding readCsv's paths share for a file with no data rows. */
export function noRows(header: string[] | undefined, origin: Origin): SourceItem {
  return finding("no-rows", header === undefined ? "the file is empty" : `no data rows after the header (${header.length} column${header.length === 1 ? "" : "s"}; check --delimiter)`, origin, "warning");
}

/**
 * The items queued by one parse, in order, and the queue emptied (`shift()` one by one is O(n) each on a long
 * array: a 1 MB chunk of short rows queues ~100,000 items).
 */
export function* drain<T>(queue: T[]): Generator<T> {
  for (let i = 0; i < queue.length; i++) yield queue[i]!;
  queue.length = 0;
}

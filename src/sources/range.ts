import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";

/** One task's part of a single big file: whole records from `start` (inclusive) to `end` (exclusive). */
export interface ByteRange {
  start: number;
  end: number;
  /** 1-based line number of the first byte of the range. */
  firstLine: number;
  /** CSV: the header record's bytes (from the file's start), which every range but the first is read after. */
  header?: Buffer;
  /** Lines the header takes. */
  headerLines?: number;
}

/**
 * What to add to a reader's line and byte numbers to make them the file's, when it reads `range` (the stream then
 * starts with the header's bytes, unless the file has no header row).
 */
export function rangeShift(range: ByteRange | undefined, hasHeader: boolean): { lines: number; bytes: number } {
  if (!range || range.start === 0) return { lines: 0, bytes: 0 };
  const header = range.header && hasHeader;
  return { lines: range.firstLine - 1 - (header ? (range.headerLines ?? 0) : 0), bytes: range.start - (header ? range.header!.length : 0) };
}

/** Whether a file can be divided by byte ranges: a local, uncompressed CSV/TSV or JSON Lines file. */
export function rangeable(path: string, kind: string | undefined): boolean {
  return path !== "-" && !path.startsWith("s3://") && !path.endsWith(".gz") && (kind === "jsonl" || kind === "csv" || kind === "tsv");
}

/**
 * Task `index` of `count`'s byte range of a file, aligned to record boundaries: the file cut at `size·i/N`, each cut
 * moved forward to the start of the next record (after a newline; for CSV a newline outside a quoted field, found
 * by following the quotes from the file's start, RFC 4180). The ranges of all tasks partition the file, so the
 * shards read in order are the file. Newlines before the range are counted so line numbers stay the file's.
 */
export async function byteRange(path: string, shard: { index: number; count: number }, o: { csv?: boolean; quote?: string; delimiter?: string } = {}): Promise<ByteRange> {
  const size = (await stat(path)).size;
  const cutStart = Math.floor((size * shard.index) / shard.count);
  const cutEnd = Math.floor((size * (shard.index + 1)) / shard.count);
  const scan = new BoundaryScanner(o.csv ? (o.quote ?? '"').charCodeAt(0) : -1, (o.delimiter ?? ",").charCodeAt(0));
  // Record starts at or after each cut, with the line they are on.
  const wanted = [1, cutStart, cutEnd].map((c) => Math.min(c, size));
  const found: { at: number; line: number }[] = [];
  let need = 0;
  const take = (at: number, line: number) => {
    while (need < wanted.length && wanted[need]! <= at) {
      found.push({ at, line });
      need++;
    }
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let pos = 0;
  let line = 1;
  scan: for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (const b of scan.starts(chunk)) {
      // b: the offset in the chunk just after a record-ending newline.
      line += scan.newlinesSinceLast();
      take(pos + b, line);
      if (need >= wanted.length) break scan;
    }
    line += scan.newlinesSinceLast();
    pos += chunk.length;
  }
  stream.destroy();
  // Past the last record start: the cut is at the file's end.
  while (found.length < wanted.length) found.push({ at: size, line });
  const [headerEnd, start, end] = found as [{ at: number; line: number }, { at: number; line: number }, { at: number; line: number }];
  const s = cutStart === 0 ? { at: 0, line: 1 } : start;
  const e = cutEnd >= size ? { at: size, line } : end;
  const range: ByteRange = { start: s.at, end: Math.max(s.at, e.at), firstLine: s.line };
  if (o.csv && s.at > 0) {
    const fh = await open(path, "r");
    try {
      const buf = Buffer.alloc(headerEnd.at);
      await fh.read(buf, 0, headerEnd.at, 0);
      range.header = buf;
      range.headerLines = headerEnd.line - 1;
    } finally {
      await fh.close();
    }
  }
  return range;
}

/**
 * Finds record starts in a byte stream: after each `\n`, or for CSV after each `\n` outside a quoted field (a quote
 * opens a field only at the field's start; inside, `""` is a quote and a lone quote closes it). Tracks newlines so a
 * caller can keep line numbers.
 */
class BoundaryScanner {
  private inQuotes = false;
  private fieldStart = true;
  private pendingQuote = false;
  private counted = 0;
  private lines = 0;
  constructor(
    private readonly quote: number,
    private readonly delimiter: number,
  ) {}

  /** Offsets in the chunk just after each record-ending newline. */
  *starts(chunk: Buffer): Generator<number> {
    this.counted = 0;
    this.lines = 0;
    if (this.quote < 0) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
        this.lines++;
        yield i + 1;
      }
      return;
    }
    const q = this.quote;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inQuotes) {
        if (this.pendingQuote) {
          this.pendingQuote = false;
          if (c === q) continue; // "" inside quotes
          this.inQuotes = false; // the quote closed the field; fall through to treat c outside quotes
        } else {
          if (c === q) this.pendingQuote = true;
          else if (c === 10) this.lines++;
          continue;
        }
      }
      if (c === 10) {
        this.lines++;
        this.fieldStart = true;
        yield i + 1;
      } else if (c === this.delimiter) this.fieldStart = true;
      else if (c === q && this.fieldStart) {
        this.inQuotes = true;
        this.fieldStart = false;
      } else if (c !== 13) this.fieldStart = false;
    }
  }

  /** Newlines seen in this chunk since the previous call (the one just before a yielded offset included). */
  newlinesSinceLast(): number {
    const n = this.lines - this.counted;
    this.counted = this.lines;
    return n;
  }
}

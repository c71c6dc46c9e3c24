import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { PassThrough, Readable, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { PrepError } from "../record.js";
import { utf16Message, utf16WithoutBom } from "./encoding.js";

/**
 * A byte stream for a path, `-` (stdin), or a `.gz` file (decompressed on the fly). A `.gz` that is corrupt,
 * truncated, empty or not gzip at all fails the stream with a PrepError naming the file, which readers of several
 * files turn into a finding for that file alone.
 */
export async function openBytes(path: string, onBytes?: (n: number) => void, range?: { start: number; end: number; header?: Buffer }): Promise<Readable> {
  if (range) {
    // One task's byte range of a local file (see byteRange), after the CSV header when it has one.
    await assertReadableFile(path);
    const body = range.end > range.start ? createReadStream(path, { start: range.start, end: range.end - 1, highWaterMark: 1 << 20 }) : Readable.from([]);
    if (onBytes) body.on("data", (c: Buffer) => onBytes(c.length));
    if (!range.header) return body;
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    out.write(range.header);
    body.on("error", (e) => out.destroy(e));
    out.on("close", () => body.destroy());
    body.pipe(out);
    return out;
  }
  if (path === "-") {
    if (onBytes) process.stdin.on("data", (c: Buffer) => onBytes(c.length));
    if (!stdinHead) return process.stdin;
    // The bytes already peeked at (to tell JSON Lines from JSON), then the rest of stdin.
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    for (const c of stdinHead) {
      onBytes?.(c.length);
      out.write(c);
    }
    stdinHead = [];
    if (process.stdin.readableEnded) out.end();
    else {
      process.stdin.on("error", (e) => out.destroy(e));
      process.stdin.pipe(out);
    }
    return out;
  }
  if (!path.startsWith("s3://")) await assertReadableFile(path);
  const raw = path.startsWith("s3://") ? await (await import("../s3/s3.js")).openObject(path) : createReadStream(path, { highWaterMark: 1 << 20 });
  // Bytes of the file itself (compressed, for .gz): what progress measures against the file's size.
  if (onBytes) raw.on("data", (c: Buffer) => onBytes(c.length));
  if (!path.endsWith(".gz")) return raw;
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const gunzip = createGunzip();
  let compressed = 0;
  const fail = (e: Error) => {
    raw.destroy();
    gunzip.destroy();
    out.destroy(new PrepError(`${path}: ${gzipReason(e, compressed)}`, 1, "gzip"));
  };
  raw.on("data", (c: Buffer) => (compressed += c.length));
  raw.on("error", fail);
  gunzip.on("error", fail);
  raw.on("end", () => {
    if (compressed === 0) fail(new Error("empty"));
  });
  // Readers stop early (--limit) by destroying the stream they were given: stop reading the file too.
  out.on("close", () => {
    raw.destroy();
    gunzip.destroy();
  });
  raw.pipe(gunzip).pipe(out);
  return out;
}

function gzipReason(e: Error, compressed: number): string {
  if (compressed === 0) return "empty file, expected gzip data";
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "Z_DATA_ERROR") return /header/i.test(e.message) ? "not a gzip file (bad header)" : `corrupt gzip data (${e.message})`;
  if (code === "Z_BUF_ERROR" || /unexpected end/i.test(e.message)) return "truncated gzip file (unexpected end of data)";
  return `cannot read: ${e.message}`;
}

/** Throw the error every reader gives for a path that is missing or a directory. */
export async function assertReadableFile(path: string): Promise<void> {
  if (path.startsWith("s3://")) {
    const { headObject } = await import("../s3/s3.js");
    if (!(await headObject(path))) throw new PrepError(`${path}: no such object`);
    return;
  }
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new PrepError(`${path}: is a directory, expected a file`);
  } catch (e) {
    if (e instanceof PrepError) throw e;
    throw new PrepError(`${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
}

/** The WHATWG name of an `--encoding` value, or undefined for UTF-8. */
export function encodingLabel(e: string | undefined): string | undefined {
  if (!e) return undefined;
  const k = e.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (k === "utf8") return undefined;
  if (k === "utf16le" || k === "utf16") return "utf-16le";
  if (k === "utf16be") return "utf-16be";
  if (k === "latin1" || k === "iso88591") return "latin1";
  if (k === "cp1252" || k === "windows1252") return "windows-1252";
  throw new PrepError(`unknown --encoding ${e}; expected utf8, utf16le, utf16be, latin1 or windows-1252`, 2);
}

/**
 * UTF-8 bytes of a text file: a UTF-16 byte-order mark or `encoding` (utf16le, utf16be, latin1) transcodes on the
 * fly; UTF-8 passes through untouched (a UTF-8 BOM is left for the reader). UTF-16 without a BOM is refused with
 * a PrepError (reason `encoding`) that names the `--encoding` to pass.
 */
export async function openUtf8(path: string, encoding?: string, onBytes?: (n: number) => void, range?: { start: number; end: number; header?: Buffer }): Promise<Readable> {
  const label = encodingLabel(encoding);
  const bytes = await openBytes(path, onBytes, range);
  let decoder: TextDecoder | undefined;
  let first = true;
  const name = path === "-" ? "stdin" : path;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (first) {
        first = false;
        if (chunk[0] === 0xff && chunk[1] === 0xfe) decoder = new TextDecoder("utf-16le");
        else if (chunk[0] === 0xfe && chunk[1] === 0xff) decoder = new TextDecoder("utf-16be");
        else if (label) decoder = new TextDecoder(label);
        else {
          const u16 = utf16WithoutBom(chunk);
          if (u16) return done(new PrepError(`${name}: ${utf16Message(u16)}`, 1, "encoding"));
        }
      }
      if (!decoder) return done(null, chunk);
      const s = decoder.decode(chunk, { stream: true });
      done(null, s ? Buffer.from(s, "utf8") : undefined);
    },
    flush(done) {
      const s = decoder?.decode();
      done(null, s ? Buffer.from(s, "utf8") : undefined);
    },
  });
  bytes.on("error", (e) => t.destroy(e));
  t.on("close", () => {
    if (bytes !== process.stdin) bytes.destroy();
  });
  return bytes.pipe(t);
}

let stdinHead: Buffer[] | undefined;

/**
 * The first bytes of stdin (up to `max`, or all of it when shorter), without losing them: the next `openBytes("-")`
 * yields them before the rest. For telling a format by content where there is no file name (`json -`).
 */
export async function peekStdin(max = 65536): Promise<Buffer> {
  if (!stdinHead) {
    const head: Buffer[] = [];
    stdinHead = head;
    let n = 0;
    await new Promise<void>((resolve, reject) => {
      const stdin = process.stdin;
      const done = () => {
        stdin.off("readable", onReadable);
        stdin.off("end", done);
        stdin.off("error", onError);
        resolve();
      };
      const onError = (e: Error) => {
        done();
        reject(e);
      };
      const onReadable = () => {
        for (let c = stdin.read() as Buffer | null; c !== null; c = stdin.read() as Buffer | null) {
          head.push(c);
          n += c.length;
          if (n >= max) return done();
        }
      };
      stdin.on("readable", onReadable);
      stdin.on("end", done);
      stdin.on("error", onError);
    });
  }
  return Buffer.concat(stdinHead);
}

/** A file's or S3 object's size in bytes, or undefined when it does not exist. */
export async function sizeOf(path: string): Promise<number | undefined> {
  if (path.startsWith("s3://")) return (await (await import("../s3/s3.js")).headObject(path))?.size;
  return (await stat(path).catch(() => undefined))?.size;
}

/** The file's data kind by extension, ignoring a trailing `.gz`. */
export function dataKind(path: string): "csv" | "tsv" | "jsonl" | "json" | "parquet" | undefined {
  const p = path.toLowerCase().replace(/\.gz$/, "");
  if (p.endsWith(".csv")) return "csv";
  if (p.endsWith(".tsv") || p.endsWith(".tab")) return "tsv";
  if (p.endsWith(".jsonl") || p.endsWith(".ndjson")) return "jsonl";
  if (p.endsWith(".json")) return "json";
  if (p.endsWith(".parquet")) return "parquet";
  return undefined;
}

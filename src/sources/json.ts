import { Transform } from "node:stream";
import { finding, PrepError, type Finding, type Origin, type SourceItem } from "../record.js";
import { ENCODING_HINT, loneSurrogate, Utf8Tracker } from "./encoding.js";
import { lineBatches, type Line } from "./lines.js";
import { openUtf8 } from "./open.js";

export interface JsonOptions {
  name?: string;
  /** For a JSON file holding one object: the key whose array holds the rows (default: `data`, as HF datasets does). */
  field?: string;
  /** Text encoding when the file has no byte-order mark: utf8 (default), utf16le, utf16be, latin1. */
  encoding?: string;
  /** Told the bytes of the file as they are read (for progress). */
  onBytes?: (n: number) => void;
  /** JSON Lines: read only this byte range (one task of a sharded run); lines keep the file's numbers. */
  range?: import("./range.js").ByteRange;
}

function rowOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The finding for a line or row holding invalid UTF-8. */
export function invalidUtf8Finding(origin: Origin, at: { line?: number; byte?: number }, hint = ENCODING_HINT): Finding {
  const where =
    at.line !== undefined ? `byte offset ${at.line} of the line${at.byte !== undefined ? ` (${at.byte} in the file)` : ""}` : at.byte !== undefined ? `byte offset ${at.byte} in the file` : "";
  return finding("encoding", `invalid UTF-8${where ? ` at ${where}` : ""}; ${hint}`, at.byte !== undefined ? { ...origin, byte: at.byte } : origin);
}

/** The finding for a string holding a lone surrogate (`"\ud800"`), which has no UTF-8 form. */
export function surrogateFinding(origin: Origin, path: string): Finding {
  return finding("encoding", `${path} holds a lone surrogate escape (such as "\\ud800"), which cannot be written as UTF-8`, origin);
}

/** One line of JSON Lines as a row, or the finding that says why it is not one. */
function lineItem(line: Line, name: string, row: number | undefined): SourceItem {
  const origin: Origin = { source: name, line: line.n };
  if (line.invalid) return invalidUtf8Finding(origin, { line: line.invalid.at, byte: line.invalid.byte });
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (e) {
    return { ...finding("json-syntax", (e as Error).message, origin), raw: line.text };
  }
  const values = rowOf(value);
  if (!values) return { ...finding("not-an-object", `expected a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`, origin), raw: value };
  const bad = loneSurrogate(line.text, values);
  if (bad) return surrogateFinding(origin, bad);
  return { type: "row", values, origin: row === undefined ? origin : { ...origin, row } };
}

/** Rows of a JSON Lines file; a line that is not a JSON object (or not UTF-8) is a finding with its line number. */
export async function* readJsonl(path: string, opts: JsonOptions = {}): AsyncGenerator<SourceItem> {
  const name = opts.name ?? path;
  let row = 0;
  const bytes = await openUtf8(path, opts.encoding, opts.onBytes, opts.range);
  try {
    for await (const batch of lineBatches(bytes, opts.range?.firstLine ?? 1)) {
      for (const line of batch) {
        if (line.text.trim() === "") continue;
        // In a byte range the row's index in the file is unknown; its line is exact.
        const item = lineItem(line, name, opts.range ? undefined : row);
        if (item.type === "row") row++;
        yield item;
      }
    }
  } finally {
    bytes.destroy();
  }
}

/**
 * Tell a JSON array, a JSON object and JSON Lines apart by content. JSON Lines: the first line is a whole JSON
 * value, or (its first line broken) most of the following lines are whole JSON objects — a pretty-printed JSON
 * document has almost none.
 */
async function sniff(path: string, encoding?: string): Promise<"array" | "object" | "jsonl"> {
  // stdin has no name to go by: its first bytes are peeked at, and read again after.
  if (path === "-") {
    const { peekStdin } = await import("./open.js");
    const b = await peekStdin();
    return sniffText(b.toString("utf8"), b.length >= 65536);
  }
  const bytes = await openUtf8(path, encoding);
  let head = "";
  try {
    for await (const chunk of bytes as AsyncIterable<Buffer>) {
      head += chunk.toString("utf8");
      if (head.length > 65536) break;
    }
  } finally {
    bytes.destroy();
  }
  return sniffText(head, head.length > 65536);
}

/** JSON array, JSON object or JSON Lines, from a file's first bytes (`cut`: they end mid-file). */
function sniffText(head: string, cut: boolean): "array" | "object" | "jsonl" {
  const t = head.replace(/^\uFEFF/, "").trimStart();
  if (t.startsWith("[")) return "array";
  const lines = t.split("\n");
  if (cut) lines.pop(); // the last one may be cut short
  const parses = (l: string) => {
    try {
      JSON.parse(l);
      return true;
    } catch {
      return false;
    }
  };
  if (parses(lines[0] ?? "")) return "jsonl"; // a one-line JSON object reads the same way
  const rest = lines.slice(1, 51).filter((l) => l.trim() !== "");
  const objects = rest.filter((l) => /^\s*\{/.test(l) && parses(l)).length;
  return rest.length > 0 && objects * 2 > rest.length ? "jsonl" : "object";
}

/**
 * Rows of a `.json` file, streamed with stream-json: a top-level array of objects, an object whose `field`
 * (default `data`) is that array, or (as the Hub often serves `.json`) JSON Lines, told apart by content.
 */
export async function* readJson(path: string, opts: JsonOptions = {}): AsyncGenerator<SourceItem> {
  const name = opts.name ?? path;
  const shape = await sniff(path, opts.encoding);
  if (shape === "jsonl") {
    yield* readJsonl(path, opts);
    return;
  }
  // stream-json is loaded by the runs that read a JSON document (start-up: a CSV or JSON Lines run does without it).
  const [{ default: chain }, { parser }, { pick }, { streamArray }] = await Promise.all([import("stream-chain"), import("stream-json"), import("stream-json/filters/pick.js"), import("stream-json/streamers/stream-array.js")]);
  const bytes = await openUtf8(path, opts.encoding, opts.onBytes);
  // stream-json decodes bytes itself (bad bytes become U+FFFD): note where they were, to reject the rows holding them.
  const tracker = new Utf8Tracker();
  const tap = new Transform({
    transform(chunk: Buffer, _e, done) {
      tracker.push(chunk);
      done(null, chunk);
    },
    flush(done) {
      tracker.end();
      done();
    },
  });
  const stream = chain([bytes, tap, parser(), ...(shape === "object" ? [pick({ filter: opts.field ?? "data" })] : []), streamArray()]);
  let row = 0;
  try {
    for await (const item of stream as AsyncIterable<{ key: number; value: unknown }>) {
      const origin: Origin = { source: name, row: item.key };
      const values = rowOf(item.value);
      if (!values) {
        yield finding("not-an-object", `element ${item.key}: expected a JSON object`, origin);
        continue;
      }
      if (tracker.pending.length && hasReplacement(values)) {
        yield invalidUtf8Finding({ source: name, row: item.key }, { byte: tracker.pending.shift()! });
        continue;
      }
      const bad = loneSurrogate("\\ud800", values);
      if (bad) {
        yield surrogateFinding(origin, `element ${item.key}: ${bad}`);
        continue;
      }
      yield { type: "row", values, origin: { source: name, row: row++ } };
    }
  } catch (e) {
    bytes.destroy();
    if (e instanceof PrepError) throw e;
    yield finding("json-syntax", `${(e as Error).message}${row ? ` (after row ${row - 1})` : ""}`, { source: name });
  }
}

function hasReplacement(v: unknown): boolean {
  if (typeof v === "string") return v.includes("\uFFFD");
  if (Array.isArray(v)) return v.some(hasReplacement);
  if (v && typeof v === "object") return Object.entries(v).some(([k, x]) => k.includes("\uFFFD") || hasReplacement(x));
  return false;
}

import chain from "stream-chain";
import { parser } from "stream-json";
import { pick } from "stream-json/filters/pick.js";
import { streamArray } from "stream-json/streamers/stream-array.js";
import { finding, type SourceItem } from "../record.js";
import { lineBatches } from "./lines.js";
import { openBytes } from "./open.js";

export interface JsonOptions {
  name?: string;
  /** For a JSON file holding one object: the key whose array holds the rows (default: `data`, as HF datasets does). */
  field?: string;
}

function rowOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Rows of a JSON Lines file; a line that is not a JSON object is a finding with its line number. */
export async function* readJsonl(path: string, opts: JsonOptions = {}): AsyncGenerator<SourceItem> {
  const name = opts.name ?? path;
  let row = 0;
  for await (const batch of lineBatches(await openBytes(path))) {
    for (const line of batch) {
      if (line.text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line.text);
      } catch (e) {
        yield finding("json-syntax", (e as Error).message, { source: name, line: line.n });
        continue;
      }
      const values = rowOf(value);
      if (!values) {
        yield finding("not-an-object", `expected a JSON object, got ${Array.isArray(value) ? "an array" : typeof value}`, {
          source: name,
          line: line.n,
        });
        continue;
      }
      yield { type: "row", values, origin: { source: name, line: line.n, row: row++ } };
    }
  }
}

/** Peek at the first non-blank bytes to tell a JSON array, a JSON object and JSON Lines apart. */
async function sniff(path: string): Promise<"array" | "object" | "jsonl"> {
  const bytes = await openBytes(path);
  let head = "";
  for await (const chunk of bytes as AsyncIterable<Buffer>) {
    head += chunk.toString("utf8");
    if (head.length > 65536) break;
  }
  bytes.destroy();
  const t = head.replace(/^\uFEFF/, "").trimStart();
  if (t.startsWith("[")) return "array";
  const firstLine = t.split("\n", 1)[0] ?? "";
  try {
    JSON.parse(firstLine);
    return "jsonl"; // a whole object on the first line: JSON Lines (a one-line JSON object reads the same way)
  } catch {
    return "object";
  }
}

/**
 * Rows of a `.json` file, streamed with stream-json: a top-level array of objects, an object whose `field`
 * (default `data`) is that array, or (as the Hub often serves `.json`) JSON Lines.
 */
export async function* readJson(path: string, opts: JsonOptions = {}): AsyncGenerator<SourceItem> {
  const name = opts.name ?? path;
  const shape = path === "-" ? "array" : await sniff(path);
  if (shape === "jsonl") {
    yield* readJsonl(path, opts);
    return;
  }
  const bytes = await openBytes(path);
  const stream = chain([bytes, parser(), ...(shape === "object" ? [pick({ filter: opts.field ?? "data" })] : []), streamArray()]);
  let row = 0;
  try {
    for await (const item of stream as AsyncIterable<{ key: number; value: unknown }>) {
      const values = rowOf(item.value);
      if (!values) {
        yield finding("not-an-object", `element ${item.key}: expected a JSON object`, { source: name, row: item.key });
        continue;
      }
      yield { type: "row", values, origin: { source: name, row: row++ } };
    }
  } catch (e) {
    bytes.destroy();
    yield finding("json-syntax", `${(e as Error).message}${row ? ` (after row ${row - 1})` : ""}`, { source: name });
  }
}

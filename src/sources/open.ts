import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { PrepError } from "../record.js";

/** A byte stream for a path, `-` (stdin), or a `.gz` file (decompressed on the fly). */
export async function openBytes(path: string): Promise<Readable> {
  if (path === "-") return process.stdin;
  await assertReadableFile(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  return path.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
}

/** Throw the error every reader gives for a path that is missing or a directory. */
export async function assertReadableFile(path: string): Promise<void> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new PrepError(`${path}: is a directory, expected a file`);
  } catch (e) {
    if (e instanceof PrepError) throw e;
    throw new PrepError(`${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
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

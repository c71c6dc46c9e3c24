import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { stringify } from "yaml";
import { writeWhole } from "../outputs/whole.js";
import { PrepError } from "../record.js";
import { lineBatches } from "../sources/lines.js";
import { openBytes } from "../sources/open.js";
import { detectFormat } from "../validate/detect.js";
import { targets } from "./table.js";

/** LLaMA-Factory's description of a dataset file (data/README.md: file_name, formatting, columns, tags). */
export interface LlamaFactoryEntry {
  file_name: string;
  file_sha1: string;
  formatting?: "alpaca" | "sharegpt";
  columns: Record<string, string>;
  tags?: Record<string, string>;
}

/** The format of a JSONL file's first record, among the formats a target takes. */
export async function fileFormat(path: string, target: string): Promise<string> {
  const t = targets.find((x) => x.id === target)!;
  const allowed = Object.values(t.tasks).flatMap((r) => r!.formats.value);
  for await (const batch of lineBatches(await openBytes(path))) {
    for (const l of batch) {
      if (!l.text.trim()) continue;
      let v: unknown;
      try {
        v = JSON.parse(l.text);
      } catch {
        throw new PrepError(`${path}:${l.n}: not JSON; check the file with prep-data validate ${path} --target ${target}`, 3);
      }
      const f = detectFormat(v, allowed);
      if (!f || !allowed.includes(f)) throw new PrepError(`${path}:${l.n}: ${f ? `a ${f} record` : "a record of no known format"}; ${target} takes ${allowed.join(", ")} (convert it with prep-data convert ${path} --to ${allowed[0]})`, 3);
      return f;
    }
  }
  throw new PrepError(`${path}: no record to register`, 3);
}

async function sha1(path: string): Promise<string> {
  const h = createHash("sha1");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** The dataset_info.json entry that makes LLaMA-Factory read `file` (its path relative to the file's folder `dir`). */
export async function llamaFactoryEntry(file: string, format: string, dir: string): Promise<LlamaFactoryEntry> {
  const base = { file_name: relative(resolve(dir), resolve(file)), file_sha1: await sha1(file) };
  switch (format) {
    case "alpaca":
      return { ...base, formatting: "alpaca", columns: { prompt: "instruction", query: "input", response: "output", system: "system", history: "history" } };
    case "sharegpt":
      return { ...base, formatting: "sharegpt", columns: { messages: "conversations", system: "system", tools: "tools" } };
    case "openai-chat":
      // OpenAI's layout is sharegpt with other tags (the README's "OpenAI format" example).
      return { ...base, formatting: "sharegpt", columns: { messages: "messages" }, tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant", system_tag: "system" } };
    case "text":
      return { ...base, columns: { prompt: "text" } };
    default:
      throw new PrepError(`LLaMA-Factory does not read ${format} records`, 2);
  }
}

/**
 * Add (or replace) a dataset's entry in a dataset_info.json, written whole: every other entry kept as it was. A file
 * that is not a JSON object is refused, naming it, rather than overwritten.
 */
export async function registerLlamaFactory(file: string, infoPath: string, name: string): Promise<{ entry: LlamaFactoryEntry; replaced: boolean }> {
  const format = await fileFormat(file, "llama-factory");
  let info: Record<string, unknown> = {};
  if (existsSync(infoPath)) {
    try {
      info = JSON.parse(await readFile(infoPath, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new PrepError(`${infoPath}: not JSON (${(e as Error).message}); fix or move it, it is left as it is`, 3);
    }
    if (!info || typeof info !== "object" || Array.isArray(info)) throw new PrepError(`${infoPath}: not a JSON object of datasets; left as it is`, 3);
  }
  const entry = await llamaFactoryEntry(file, format, dirname(infoPath));
  const replaced = name in info;
  info[name] = entry;
  await writeWhole(infoPath, JSON.stringify(info, null, 2) + "\n");
  return { entry, replaced };
}

/** The `datasets:` entry of an Axolotl config that reads `file` (docs/dataset-formats: chat_template, alpaca, completion). */
export async function axolotlSnippet(file: string): Promise<string> {
  const format = await fileFormat(file, "axolotl");
  const path = resolve(file);
  const dataset =
    format === "openai-chat"
      ? { path, ds_type: "json", type: "chat_template", field_messages: "messages", message_property_mappings: { role: "role", content: "content" } }
      : format === "alpaca"
        ? { path, ds_type: "json", type: "alpaca" }
        : { path, ds_type: "json", type: "completion", field: "text" };
  return stringify({ datasets: [dataset] });
}

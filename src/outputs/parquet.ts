import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { SchemaElement } from "hyparquet";
import { fileWriter, ParquetWriter } from "hyparquet-writer";

/**
 * JSONL records as a Parquet file with nested columns (lists and structs), the layout Hugging Face `datasets` and the
 * trainers that read Parquet load back as the same records: `messages` a list of {role, content} structs, not a
 * string. The schema is read from the records (one pass), then written in row groups (a second pass) with
 * hyparquet-writer: memory is one row group, not the file. A field whose values have different shapes across
 * records (a string here, a list there) is stored as a JSON column holding each value's JSON text, so nothing is
 * lost; `jsonColumns` names them.
 */
type Shape =
  | { kind: "null" }
  | { kind: "string" }
  | { kind: "bool" }
  | { kind: "int" }
  | { kind: "double" }
  | { kind: "json" }
  | { kind: "list"; of: Shape }
  | { kind: "struct"; fields: Map<string, Shape> };

function shapeOf(v: unknown): Shape {
  if (v === null || v === undefined) return { kind: "null" };
  if (typeof v === "string") return { kind: "string" };
  if (typeof v === "boolean") return { kind: "bool" };
  if (typeof v === "number") return Number.isSafeInteger(v) && Math.abs(v) < 2 ** 31 ? { kind: "int" } : { kind: "double" };
  if (Array.isArray(v)) return { kind: "list", of: v.reduce<Shape>((s, x) => merge(s, shapeOf(x)), { kind: "null" }) };
  if (typeof v === "object") return { kind: "struct", fields: new Map(Object.entries(v as object).map(([k, x]) => [k, shapeOf(x)])) };
  return { kind: "json" };
}

function merge(a: Shape, b: Shape): Shape {
  if (a.kind === "null") return b;
  if (b.kind === "null") return a;
  if (a.kind === "json" || b.kind === "json") return { kind: "json" };
  if ((a.kind === "int" && b.kind === "double") || (a.kind === "double" && b.kind === "int")) return { kind: "double" };
  if (a.kind !== b.kind) return { kind: "json" };
  if (a.kind === "list" && b.kind === "list") return { kind: "list", of: merge(a.of, b.of) };
  if (a.kind === "struct" && b.kind === "struct") {
    const fields = new Map(a.fields);
    for (const [k, s] of b.fields) fields.set(k, merge(fields.get(k) ?? { kind: "null" }, s));
    return { kind: "struct", fields };
  }
  return a;
}

/** Parquet schema elements (depth first) for a field of a shape; lists in the standard three-level layout. */
function elements(name: string, s: Shape, out: SchemaElement[], json: string[], path: string): void {
  switch (s.kind) {
    case "null":
    case "string":
      out.push({ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" });
      return;
    case "bool":
      out.push({ name, type: "BOOLEAN", repetition_type: "OPTIONAL" });
      return;
    case "int":
      out.push({ name, type: "INT32", repetition_type: "OPTIONAL" });
      return;
    case "double":
      out.push({ name, type: "DOUBLE", repetition_type: "OPTIONAL" });
      return;
    case "json":
      json.push(path);
      out.push({ name, type: "BYTE_ARRAY", converted_type: "JSON", repetition_type: "OPTIONAL" });
      return;
    case "list":
      out.push({ name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 });
      out.push({ name: "list", repetition_type: "REPEATED", num_children: 1 });
      elements("element", s.of, out, json, `${path}[]`);
      return;
    case "struct":
      out.push({ name, repetition_type: "OPTIONAL", num_children: s.fields.size });
      for (const [k, f] of s.fields) elements(k, f, out, json, `${path}.${k}`);
  }
}

/** A value as its column holds it: JSON columns as text, structs with every field (absent ones null). */
function columnValue(v: unknown, s: Shape): unknown {
  if (v === null || v === undefined) return null;
  switch (s.kind) {
    case "json":
      return JSON.stringify(v);
    case "list":
      return (v as unknown[]).map((x) => columnValue(x, s.of));
    case "struct":
      return Object.fromEntries([...s.fields].map(([k, f]) => [k, columnValue((v as Record<string, unknown>)[k], f)]));
    default:
      return v;
  }
}

async function* records(jsonl: string): AsyncGenerator<Record<string, unknown>> {
  const rl = createInterface({ input: createReadStream(jsonl), crlfDelay: Infinity });
  for await (const line of rl) if (line) yield JSON.parse(line) as Record<string, unknown>;
}

export interface ParquetResult {
  rows: number;
  /** Fields stored as JSON text because their values had different shapes across records. */
  jsonColumns: string[];
}

/** Write the JSONL file's records to `parquet` (created, or replaced), `rowGroupSize` records per row group. */
export async function jsonlToParquet(jsonl: string, parquet: string, rowGroupSize = 10_000): Promise<ParquetResult> {
  let shape: Shape = { kind: "struct", fields: new Map() };
  let rows = 0;
  for await (const r of records(jsonl)) {
    shape = merge(shape, shapeOf(r));
    rows++;
  }
  const fields = shape.kind === "struct" ? shape.fields : new Map<string, Shape>();
  const schema: SchemaElement[] = [{ name: "root", num_children: fields.size }];
  const json: string[] = [];
  for (const [k, s] of fields) elements(k, s, schema, json, k);
  // hyparquet-writer's file writer: 1 MB chunks appended as they fill (memory is a row group, not the file).
  const writer = fileWriter(parquet);
  const pw = new ParquetWriter({ writer, schema, createdBy: "prep-data (hyparquet-writer)" });
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    if (!batch.length) return;
    await pw.write({ rowGroupSize: batch.length, columnData: [...fields].map(([k, s]) => ({ name: k, data: batch.map((r) => columnValue(r[k], s)) })) });
    batch = [];
  };
  for await (const r of records(jsonl)) {
    batch.push(r);
    if (batch.length >= rowGroupSize) await flush();
  }
  await flush();
  await pw.finish();
  return { rows, jsonColumns: json };
}

import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHubServer } from "../helpers/hub-server.js";
import { run, tmp } from "../helpers/run.js";
import { committedSchemaValidator } from "../helpers/schemas.js";
import { loadTokenCounter } from "../../src/index.js";
import { HAVE_SHARED, SHARED } from "./shared.js";

const INSTR = "Summarize the simplest and most interesting part of the following conversation.\n\n";
const parseLines = (text: string) => text.split("\n").filter(Boolean).map((l) => JSON.parse(l));

describe.skipIf(!HAVE_SHARED)("DialogSum from a local Hub over ../shared/datasets/hf", () => {
  let server: Awaited<ReturnType<typeof startHubServer>>;
  let parquetOnly: Awaited<ReturnType<typeof startHubServer>>;
  let train: { id: string; dialogue: string; summary: string }[];
  const cache = tmp();

  beforeAll(async () => {
    server = await startHubServer({ root: join(SHARED, "datasets/hf") });
    // The same repo with the CSVs absent from main: only the parquet-conversion branch holds rows.
    const root = tmp();
    const repo = join(root, "datasets/knkarthick/dialogsum");
    mkdirSync(join(repo, "main"), { recursive: true });
    writeFileSync(join(repo, "main/README.md"), "# dialogsum without CSVs\n");
    mkdirSync(join(repo, "refs/convert"), { recursive: true });
    symlinkSync(join(SHARED, "datasets/hf/datasets/knkarthick/dialogsum/refs/convert/parquet"), join(repo, "refs/convert/parquet"));
    parquetOnly = await startHubServer({ root });
    // Reference rows read independently of prep-data's own reader.
    train = parse(readFileSync(join(SHARED, "datasets/hf/datasets/knkarthick/dialogsum/main/train.csv")), { columns: true, bom: true });
  });
  afterAll(async () => {
    await server?.close();
    await parquetOnly?.close();
  });

  const expected = (rows: typeof train) => rows.map((r) => ({ prompt: INSTR + r.dialogue + "\n\nSummary: ", completion: r.summary }));

  it("--limit 1000 writes train rows 0–999 in order with the demo's template", async () => {
    const out = join(tmp(), "train.jsonl");
    const r = await run(["dialogsum", "--format", "instruction", "--limit", "1000", "-o", out], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache } });
    expect(r.code, r.stderr).toBe(0);
    const got = parseLines(readFileSync(out, "utf8"));
    expect(got).toHaveLength(1000);
    expect(got).toEqual(expected(train.slice(0, 1000)));
    expect(train[0]!.id).toBe("train_0");
  });

  it("all 12,460 train rows; the second run downloads nothing; HF_HUB_OFFLINE=1 runs from the cache", async () => {
    const out = join(tmp(), "all.jsonl");
    const env = { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache };
    const before = server.downloads().length;
    const r = await run(["dialogsum", "-o", out], { env });
    expect(r.code, r.stderr).toBe(0);
    const got = parseLines(readFileSync(out, "utf8"));
    expect(got).toHaveLength(12460);
    expect(got).toEqual(expected(train));
    expect(server.downloads().length).toBe(before); // fetched by the previous test: a cache hit
    const off = await run(["dialogsum", "-o", out], { env: { ...env, HF_HUB_OFFLINE: "1" } });
    expect(off.code, off.stderr).toBe(0);
    expect(parseLines(readFileSync(out, "utf8"))).toHaveLength(12460);
  });

  it("reads the refs/convert/parquet branch when the CSVs are absent, with the same records", async () => {
    const out = join(tmp(), "pq.jsonl");
    const r = await run(["dialogsum", "-o", out], { env: { HF_ENDPOINT: parquetOnly.url, HF_HUB_CACHE: tmp() } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("parquet branch");
    const got = parseLines(readFileSync(out, "utf8"));
    expect(got).toHaveLength(12460);
    expect(got).toEqual(expected(train));
  });

  it("--format messages and conversation output pass the committed schemas; the validation split has 500 rows", async () => {
    for (const format of ["messages", "conversation"]) {
      const dir = tmp();
      const r = await run(["dialogsum", "--format", format, "--validation", "--system", "Summarise.", "-o", join(dir, "train.jsonl")], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache } });
      expect(r.code, r.stderr).toBe(0);
      const validate = committedSchemaValidator(format);
      const recs = parseLines(readFileSync(join(dir, "train.jsonl"), "utf8"));
      expect(recs).toHaveLength(12460);
      expect(recs.every((x) => validate(x))).toBe(true);
      expect(parseLines(readFileSync(join(dir, "validation.jsonl"), "utf8"))).toHaveLength(500);
    }
  });

  it("Llama 2 counts by cached words equal the library's whole-text encoding on 3,000 DialogSum prompts and summaries", async () => {
    const l2 = (await import("llama-tokenizer-js")).default;
    const counter = await loadTokenCounter("llama2");
    const texts = expected(train.slice(0, 1500)).flatMap((r) => [r.prompt, r.completion]);
    const differ = texts.filter((t) => counter.count(t) !== l2.encode(t, false, true).length);
    expect(differ).toEqual([]);
  });

  it("test split: 1,500 rows", async () => {
    const r = await run(["dialogsum", "--split", "test", "-o", "-"], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache } });
    expect(r.code, r.stderr).toBe(0);
    expect(parseLines(r.stdout)).toHaveLength(1500);
  });

  it("test split as evaluation prompts: one per dialogue (500), the first reference summary as referenceResponse", async () => {
    const r = await run(["dialogsum", "--split", "test", "--format", "evaluation", "-o", "-", "--max-findings", "0"], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache } });
    expect(r.code, r.stderr).toBe(0);
    const recs = parseLines(r.stdout) as { prompt: string; referenceResponse: string }[];
    expect(recs).toHaveLength(500);
    expect(new Set(recs.map((x) => x.prompt)).size).toBe(500);
    expect(recs.every((x) => x.prompt.startsWith(INSTR) && x.referenceResponse.length > 0)).toBe(true);
    expect(r.stderr).toMatch(/read 1500, written 500, rejected 0, warnings: extra-reference 1000/);
    const cat = await run(["dialogsum", "--split", "test", "--format", "evaluation", "--category", "{topic}", "-n", "9", "-o", "-", "-q"], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache } });
    expect(cat.code, cat.stderr).toBe(0);
    // -n counts rows read: the test split lists each dialogue three times, so 9 rows are 3 prompts.
    const first = parseLines(cat.stdout) as { prompt: string; category: string }[];
    expect(first).toHaveLength(3);
    expect(first.map((x) => x.prompt)).toEqual(recs.slice(0, 3).map((x) => x.prompt));
    expect(first.every((x) => typeof x.category === "string" && x.category.length > 0)).toBe(true);
  });
});

describe.skipIf(!HAVE_SHARED)("validate on DialogSum output", () => {
  it("the 1,000-row instruction file validates clean for titan-express and llama2-13b; a 5,000-token record fails at its line", async () => {
    const server = await startHubServer({ root: join(SHARED, "datasets/hf") });
    try {
      const out = join(tmp(), "train.jsonl");
      const r = await run(["dialogsum", "--limit", "1000", "-o", out], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: tmp() } });
      expect(r.code, r.stderr).toBe(0);
      for (const model of ["titan-express", "llama2-13b"]) {
        const v = await run(["validate", out, "--model", model]);
        expect(v.code, v.stdout).toBe(0);
        expect(v.stdout).toContain("1,000 records (1,000 valid)");
      }
      // ~5,000 tokens in every tokenizer involved: prose that is not a repeated word.
      const words = readFileSync(join(SHARED, "datasets/hf/datasets/knkarthick/dialogsum/main/validation.csv"), "utf8").split(/\s+/).slice(0, 3600).join(" ");
      writeFileSync(out, readFileSync(out, "utf8") + JSON.stringify({ prompt: words, completion: "x" }) + "\n");
      for (const model of ["titan-express", "llama2-13b"]) {
        const v = await run(["validate", out, "--model", model]);
        expect(v.code).toBe(1);
        expect(v.stdout).toMatch(/error: .*train\.jsonl:1001: token-limit: total has [\d,]+ tokens/);
      }
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(!HAVE_SHARED)("dialogsum --turns on the real dataset", () => {
  it("every record alternates user/assistant, ends with the assistant and passes the schema; every row is accounted for", async () => {
    const server = await startHubServer({ root: join(SHARED, "datasets/hf") });
    try {
      const out = join(tmp(), "turns.jsonl");
      const r = await run(["dialogsum", "--format", "conversation", "--turns", "-o", out], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: tmp() } });
      const recs = parseLines(readFileSync(out, "utf8")) as { messages: { role: string }[] }[];
      const validate = committedSchemaValidator("conversation");
      expect(recs.every((x) => validate(x))).toBe(true);
      for (const x of recs) {
        expect(x.messages[0]!.role).toBe("user");
        expect(x.messages.at(-1)!.role).toBe("assistant");
        x.messages.forEach((m, i) => i && expect(m.role).not.toBe(x.messages[i - 1]!.role));
      }
      const m = /read (\d+), written (\d+), rejected (\d+)/.exec(r.stderr)!;
      expect(Number(m[1])).toBe(12460);
      expect(Number(m[2]) + Number(m[3])).toBe(12460);
      expect(Number(m[2])).toBe(recs.length);
      expect(r.stderr).toMatch(/unknown-speaker \d+/); // dialogues with a #Person3# are reported, not silently dropped
    } finally {
      await server.close();
    }
  });
});

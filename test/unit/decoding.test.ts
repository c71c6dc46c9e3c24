import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readCsv, readJson, readJsonl, type SourceItem } from "../../src/index.js";
import { lines, run, tmp } from "../helpers/run.js";

async function collect(it: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function file(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const rows = (items: SourceItem[]) => items.filter((i) => i.type === "row").map((i) => (i.type === "row" ? i.values : null));
const findings = (items: SourceItem[]) => items.filter((i) => i.type === "finding");

describe("invalid UTF-8 and lone surrogates are findings, never U+FFFD in a record", () => {
  it("CSV: the row with a bad byte is rejected with its line and byte offset; the others are kept", async () => {
    const d = tmp();
    const p = file(d, "bad.csv", Buffer.concat([Buffer.from("text\nok\nbad "), Buffer.from([0xff]), Buffer.from(" here\nfine\n")]));
    const items = await collect(readCsv(p, { name: "bad.csv" }));
    expect(rows(items)).toEqual([{ text: "ok" }, { text: "fine" }]);
    expect(findings(items)).toMatchObject([{ reason: "encoding", origin: { line: 3, byte: 12 } }]);
    expect(findings(items)[0]!.message).toMatch(/invalid UTF-8 at byte offset 12 in the file; .*--encoding/);
    // The same bytes read as latin1 are text.
    expect(rows(await collect(readCsv(p, { encoding: "latin1" })))).toEqual([{ text: "ok" }, { text: "bad ÿ here" }, { text: "fine" }]);
  });

  it("a UTF-8 sequence split across read chunks is not mistaken for a bad one", async () => {
    const d = tmp();
    // Multi-byte characters straddle every 64 KiB boundary of a ~300 KB file.
    const body = "text\n" + Array.from({ length: 20000 }, (_, i) => `zeile ${i} äöü 中文 😀`).join("\n") + "\n";
    const items = await collect(readCsv(file(d, "big.csv", body)));
    expect(findings(items)).toEqual([]);
    expect(rows(items)).toHaveLength(20000);
  });

  it("JSONL: invalid bytes and a lone surrogate escape reject only their lines", async () => {
    const d = tmp();
    const p = file(d, "bad.jsonl", Buffer.concat([Buffer.from('{"t":"ok"}\n{"t":"bad '), Buffer.from([0xc3]), Buffer.from(' x"}\n{"t":"\\ud800"}\n{"t":"\\ud83d\\ude00 fine"}\n')]));
    const items = await collect(readJsonl(p, { name: "bad.jsonl" }));
    expect(rows(items)).toEqual([{ t: "ok" }, { t: "😀 fine" }]);
    expect(findings(items)).toMatchObject([
      { reason: "encoding", origin: { line: 2, byte: 21 } },
      { reason: "encoding", origin: { line: 3 } },
    ]);
    expect(findings(items)[1]!.message).toMatch(/^t holds a lone surrogate/);
  });

  it("a JSON array: the element holding invalid bytes is rejected", async () => {
    const d = tmp();
    const p = file(d, "a.json", Buffer.concat([Buffer.from('[{"t":"a"},{"t":"b'), Buffer.from([0xe2, 0x28]), Buffer.from('"},{"t":"c"}]')]));
    const items = await collect(readJson(p));
    expect(rows(items)).toEqual([{ t: "a" }, { t: "c" }]);
    expect(findings(items)).toMatchObject([{ reason: "encoding", origin: { row: 1, byte: 18 } }]);
  });

  it("validate rejects invalid UTF-8, lone surrogates and a leading BOM, each on its line", async () => {
    const d = tmp();
    const p = file(
      d,
      "v.jsonl",
      Buffer.concat([Buffer.from('\uFEFF{"prompt":"a","completion":"b"}\n{"prompt":"'), Buffer.from([0xff]), Buffer.from('","completion":"b"}\n{"prompt":"\\udc00","completion":"b"}\n{"prompt":"c","completion":"d"}\n')]),
    );
    const r = await run(["validate", p, "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.findings.map((f: { reason: string; origin: { line?: number } }) => [f.reason, f.origin.line])).toEqual([
      ["encoding", 1],
      ["encoding", 2],
      ["encoding", 3],
    ]);
    expect(report.findings[0].message).toMatch(/byte-order mark/);
    expect(report.files[0].valid).toBe(2);
  });
});

describe("UTF-16 without a byte-order mark", () => {
  it("is named, with the --encoding to pass, and read when it is passed", async () => {
    const d = tmp();
    const p = file(d, "u16.csv", Buffer.from("text\nhello\n", "utf16le"));
    const r = await run(["csv", p, "--format", "cpt", "--text", "{text}", "-o", "-"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/u16\.csv: encoding: the file looks like UTF-16LE without a byte-order mark.*--encoding utf16le/);
    const ok = await run(["csv", p, "--encoding", "utf16le", "--format", "cpt", "--text", "{text}", "-o", "-"]);
    expect(lines(ok.stdout)).toEqual([{ input: "hello" }]);
    const v = file(d, "u16.jsonl", Buffer.from('{"input":"x"}\n', "utf16le").swap16());
    const rv = await run(["validate", v]);
    expect(rv.code).toBe(1);
    expect(rv.stderr + rv.stdout).toMatch(/UTF-16BE without a byte-order mark/);
  });
});

describe("CSV line endings", () => {
  it("a CRLF header followed by LF rows, and mixed CR/CRLF, give one record per line and no stray CR or LF", async () => {
    const d = tmp();
    const a = await collect(readCsv(file(d, "a.csv", "text\r\none\ntwo\nthree\n")));
    expect(rows(a)).toEqual([{ text: "one" }, { text: "two" }, { text: "three" }]);
    const b = await collect(readCsv(file(d, "b.csv", 'a,b\r1,2\r\n3,4\r5,"x\r\ny"\n6,7')));
    expect(rows(b)).toEqual([
      { a: "1", b: "2" },
      { a: "3", b: "4" },
      { a: "5", b: "x\r\ny" },
      { a: "6", b: "7" },
    ]);
    expect(b.map((i) => i.origin.line)).toEqual([2, 3, 4, 6]);
  });
});

describe("gzip inputs", () => {
  it("a corrupt, truncated, empty or non-gzip .gz is a finding for that file; the good files are still written", async () => {
    const d = tmp();
    const good = file(d, "good.csv", "text\ngood\n");
    const plain = file(d, "plain.csv.gz", "text\nnot gzipped\n");
    const empty = file(d, "empty.csv.gz", "");
    const whole = gzipSync("text\n" + "row\n".repeat(5000));
    const cut = file(d, "cut.csv.gz", whole.subarray(0, Math.floor(whole.length / 2)));
    const corrupt = Buffer.from(gzipSync("text\nA\nB\n"));
    corrupt[corrupt.length - 12] ^= 0xff;
    const bad = file(d, "bad.csv.gz", corrupt);
    const out = join(d, "out.jsonl");
    const r = await run(["csv", plain, empty, cut, bad, good, "--format", "cpt", "--text", "{text}", "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(r.stderr).toMatch(/plain\.csv\.gz: gzip: not a gzip file/);
    expect(r.stderr).toMatch(/empty\.csv\.gz: gzip: empty file/);
    expect(r.stderr).toMatch(/cut\.csv\.gz: gzip: truncated gzip file/);
    expect(r.stderr).toMatch(/bad\.csv\.gz: gzip: (corrupt gzip data|truncated)/);
    expect(lines((await import("node:fs")).readFileSync(out, "utf8")).at(-1)).toEqual({ input: "good" });
  });
});

describe("JSON documents and JSON Lines are told apart by content", () => {
  it("a .json of JSON Lines whose first line is broken keeps the other lines", async () => {
    const d = tmp();
    const p = file(d, "l.json", '{"t":"broken"\n{"t":"a"}\n{"t":"b"}\n');
    const items = await collect(readJson(p));
    expect(rows(items)).toEqual([{ t: "a" }, { t: "b" }]);
    expect(findings(items)).toMatchObject([{ reason: "json-syntax", origin: { line: 1 } }]);
    // A pretty-printed document is still read as one document.
    const doc = file(d, "d.json", '{\n  "data": [\n    {"t": "x"},\n    {"t": "y"}\n  ]\n}\n');
    expect(rows(await collect(readJson(doc)))).toEqual([{ t: "x" }, { t: "y" }]);
  });
});

describe("Parquet values and damage", () => {
  it("binary columns decode as UTF-8 (else a finding), timestamps become ISO-8601 text, a corrupt row group counts its rows", async () => {
    const { parquetWriteFile } = await import("hyparquet-writer");
    const { parquetMetadata } = await import("hyparquet");
    const { readFileSync } = await import("node:fs");
    const d = tmp();
    const p = join(d, "t.parquet");
    const n = 30;
    parquetWriteFile({
      filename: p,
      rowGroupSize: 10,
      columnData: [
        { name: "bin", data: Array.from({ length: n }, (_, i) => (i === 3 ? new Uint8Array([0xff, 0xfe]) : new TextEncoder().encode(`text ${i} é`))), type: "BYTE_ARRAY" },
        { name: "at", data: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i))), type: "TIMESTAMP" },
      ],
    });
    const ok = await run(["parquet", p, "--format", "cpt", "--text", "{bin} at {at}", "-o", "-"]);
    const recs = lines(ok.stdout) as { input: string }[];
    expect(recs[0]).toEqual({ input: "text 0 é at 2024-01-01T00:00:00.000Z" });
    expect(recs).toHaveLength(n - 1);
    expect(ok.stderr).toMatch(/t\.parquet.*encoding: column bin holds binary data that is not UTF-8 text/);
    // Break the second row group's data: 10 rows lost, counted as 10.
    const bytes = Buffer.from(readFileSync(p));
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const col = meta.row_groups[1]!.columns[0]!.meta_data!;
    const at = Number(col.dictionary_page_offset ?? col.data_page_offset);
    bytes.fill(0xee, at, at + Number(col.total_compressed_size));
    const broken = join(d, "broken.parquet");
    writeFileSync(broken, bytes);
    const r = await run(["parquet", broken, "--format", "cpt", "--text", "{bin}", "-o", join(d, "o.jsonl")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/row group of rows 10-19 \(10 rows\) cannot be read/);
    expect(r.stderr).toMatch(/read 30, written 19, rejected 11 \(parquet 10, encoding 1\)/);
  });
});

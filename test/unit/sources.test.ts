import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parquetWriteFile } from "hyparquet-writer";
import { readCsv, readJson, readJsonl, readParquet, type SourceItem } from "../../src/index.js";
import { tmp } from "../helpers/run.js";

async function collect(it: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function file(name: string, content: string | Buffer): string {
  const p = join(tmp(), name);
  writeFileSync(p, content);
  return p;
}

const rows = (items: SourceItem[]) => items.filter((i) => i.type === "row").map((i) => (i.type === "row" ? i.values : null));

describe("CSV source", () => {
  it("the papaparse fast path gives exactly csv-parse's items — rows, lines, row numbers, findings — on edge cases", async () => {
    const big = "x".repeat(5 << 20); // one field longer than a read chunk and than MAX_ROW_CHARS (4 Mi characters)
    const cases: [string, string | Buffer, Record<string, unknown>?][] = [
      ["plain.csv", "q,a\nx,1\ny,2\n"],
      ["quotes.csv", 'q,a\n"one, two","say ""hi"""\n"multi\nline",x\n""\n\n\nlast,"y"\n'],
      ["noeol.csv", "q,a\nx,1\ny,2"],
      ["bom.csv", "\uFEFFq,a\nx,1\n"],
      ["ragged.csv", "q,a\nok,1\nthree,fields,here\nfine,2\n"],
      ["unclosed.csv", 'q,a\nok,1\n"never closed,3\nmore,4\n'],
      ["badclose.csv", 'q,a\nok,1\n"bad"x,2\nafter,3\n"ok ""q""",4\n'],
      ["blank-after-quote.csv", 'q,a\n"a" ,1\n"b"\t,2\nc,3\n'],
      ["blank-variants.csv", 'q,a\n"" ,1\n"a,"  ,2\n"x"""  ,3\n""""  ,4\nok,5\n"last" \n'],
      ["escaped-then-blank.csv", 'q,a\n"He said ""hi"" \nthen ""bye"" ",1\n"x ""y""",2\nsay ""so"" ,3\n'],
      ["relaxed.csv", "q,a\n37°36'37.8\"N,1\nsay \"hi\" there,2\n"],
      ["spaces.csv", "q,a\n   \n x , y \n"],
      ["dup-header.csv", "a,a,\n1,2,3\n"],
      ["multibyte.csv", "q,a\n" + "中文,é😀\n".repeat(100_000)], // multi-byte characters across 1 MB chunk ends
      ["long.csv", `q,a\n"${big}",1\nnext,2\n`],
      ["long-unquoted.csv", `q,a\n${big},1\nnext,2\n`],
      ["headerless.csv", "x,1\ny,2,3\n", { header: false }],
      ["t.tsv", 'q\ta\nx\t"1\t2"\n'],
      ["semi.csv", "q;a\nx;1\n", { delimiter: ";" }],
      ["empty.csv", ""],
      ["header-only.csv", "a;b;c\n"],
      ["invalid-utf8.csv", Buffer.concat([Buffer.from("q,a\nok,1\n"), Buffer.from([0x62, 0xff, 0x2c, 0x32, 0x0a]), Buffer.from("after,3\n")])],
      ["crlf-inside.csv", 'q,a\r\n"x\r\ny",1\n3,4\r5,6\n'],
      // Bytes the fast path leaves to csv-parse, past the first read chunk: it hands over at the first row not parsed.
      ["late-cr.csv", "q,a\n" + "x,1\n".repeat(300_000) + '"y\r\nz",2\r\nw,3\n'],
      ["late-invalid.csv", Buffer.concat([Buffer.from("q,a\n" + "x,1\n".repeat(300_000)), Buffer.from([0x62, 0xc3, 0x2c, 0x32, 0x0a]), Buffer.from("after,3\n")])],
      ["late-nul.csv", "q,a\n" + "x,1\n".repeat(300_000) + "n\u0000l,2\nafter,3\n"],
      // ASCII chunks read as they are, the others decoded: a U+FEFF at a later chunk's start is text (only the
      // file's first is a byte-order mark), and a character cut by a chunk's end after ASCII chunks.
      ["late-feff.csv", "q,a\n" + "x".repeat((1 << 20) - 5) + "\n" + "\uFEFFz,1\n" + "ascii,2\n".repeat(200_000) + "é,3\n"],
      ["ascii-then-cut.csv", "q,a\n" + "y,1\n".repeat(262_143) + "ab中文,2\n" + "z,3\n".repeat(300_000) + "😀,4\n"],
      ["utf16-no-bom.csv", Buffer.from("q,a\nx,1\n", "utf16le")],
      ["utf16-bom.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("q,a\nx,1\n", "utf16le")])],
    ];
    for (const [name, content, opts] of cases) {
      const p = file(name, content);
      // Items, or the error that ends the file (UTF-16 without a byte-order mark), alike.
      const outcome = (o: Record<string, unknown>) => collect(readCsv(p, { name, ...opts, ...o })).catch((e: Error) => ({ error: e.message }));
      expect(await outcome({}), name).toEqual(await outcome({ fast: false }));
    }
    // Byte ranges (a shard's part), the fast path and csv-parse alike: every row once, with the file's lines.
    const { byteRange } = await import("../../src/sources/range.js");
    const p = file("ranges.csv", "q,a\n" + Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? `"row ${i}\nsecond line","v""${i}"` : `row ${i},${i}`)).join("\n") + "\n");
    for (const count of [2, 3]) {
      for (let index = 0; index < count; index++) {
        const range = await byteRange(p, { index, count }, { csv: true });
        expect(await collect(readCsv(p, { range }))).toEqual(await collect(readCsv(p, { range, fast: false })));
      }
    }
  });

  it("follows RFC 4180: quoted commas, doubled quotes, newlines inside quotes, CRLF, and reports each row's first line", async () => {
    const p = file("a.csv", 'q,a\r\n"one, two","say ""hi"""\r\n"multi\r\nline",x\r\nlast,y\r\n');
    const items = await collect(readCsv(p));
    expect(rows(items)).toEqual([
      { q: "one, two", a: 'say "hi"' },
      { q: "multi\r\nline", a: "x" },
      { q: "last", a: "y" },
    ]);
    expect(items.map((i) => i.origin.line)).toEqual([2, 3, 5]);
  });

  it("handles a UTF-8 BOM, bare CR line ends, and UTF-16 files with a BOM", async () => {
    expect(rows(await collect(readCsv(file("b.csv", "\uFEFFq,a\rx,1\ry,2\r"))))).toEqual([
      { q: "x", a: "1" },
      { q: "y", a: "2" },
    ]);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("q,a\nü,中\n", "utf16le")]);
    expect(rows(await collect(readCsv(file("le.csv", le))))).toEqual([{ q: "ü", a: "中" }]);
    const beBody = Buffer.from("q,a\né,2\n", "utf16le").swap16();
    expect(rows(await collect(readCsv(file("be.csv", Buffer.concat([Buffer.from([0xfe, 0xff]), beBody])))))).toEqual([{ q: "é", a: "2" }]);
    expect(rows(await collect(readCsv(file("l1.csv", Buffer.from("q,a\ncaf\xe9,1\n", "latin1")), { encoding: "latin1" })))).toEqual([{ q: "café", a: "1" }]);
  });

  it("reads tab- and custom-delimited files and gzip", async () => {
    expect(rows(await collect(readCsv(file("t.tsv", "q\ta\nx\t1\n"))))).toEqual([{ q: "x", a: "1" }]);
    expect(rows(await collect(readCsv(file("s.csv", "q;a\nx;1\n"), { delimiter: ";" })))).toEqual([{ q: "x", a: "1" }]);
    expect(rows(await collect(readCsv(file("g.csv.gz", gzipSync("q,a\nx,1\n")))))).toEqual([{ q: "x", a: "1" }]);
  });

  it("reports a ragged row and a broken quote as findings with their lines and keeps reading", async () => {
    const p = file("r.csv", 'q,a\nok,1\nthree,fields,here\nfine,2\n"never closed,3\n');
    const items = await collect(readCsv(p, { name: "r.csv" }));
    const findings = items.filter((i) => i.type === "finding");
    expect(findings[0]).toMatchObject({ reason: "ragged-row", origin: { source: "r.csv", line: 3 }, message: "row has 3 fields, the header has 2" });
    expect(findings[1]).toMatchObject({ reason: "csv-syntax", origin: { source: "r.csv" } });
    expect(findings[1]!.message).toMatch(/Quote Not Closed/);
    expect(rows(items)).toEqual([
      { q: "ok", a: "1" },
      { q: "fine", a: "2" },
    ]);
  });

  it("names columns col1… without a header, and de-duplicates repeated header names", async () => {
    expect(rows(await collect(readCsv(file("n.csv", "x,1\ny,2\n"), { header: false })))).toEqual([
      { col1: "x", col2: "1" },
      { col1: "y", col2: "2" },
    ]);
    expect(rows(await collect(readCsv(file("d.csv", "a,a,\n1,2,3\n"))))).toEqual([{ a: "1", a_2: "2", col3: "3" }]);
  });
});

describe("JSON sources", () => {
  it("JSON Lines: rows with line numbers; bad JSON and non-objects are findings", async () => {
    const p = file("a.jsonl", '{"q":"x"}\r\n\nnot json\n[1]\n{"q":"y"}');
    const items = await collect(readJsonl(p, { name: "a.jsonl" }));
    expect(items.map((i) => (i.type === "row" ? ["row", i.origin.line] : [i.reason, i.origin.line]))).toEqual([
      ["row", 1],
      ["json-syntax", 3],
      ["not-an-object", 4],
      ["row", 5],
    ]);
  });

  it("JSON: a top-level array, an object holding the rows under data, and JSON Lines named .json", async () => {
    expect(rows(await collect(readJson(file("a.json", '[\n {"q": "x"},\n {"q": "y"}\n]'))))).toEqual([{ q: "x" }, { q: "y" }]);
    expect(rows(await collect(readJson(file("o.json", '{\n "version": 1,\n "data": [{"q": "x"}]\n}'))))).toEqual([{ q: "x" }]);
    expect(rows(await collect(readJson(file("l.json", '{"q": "x"}\n{"q": "y"}\n'))))).toEqual([{ q: "x" }, { q: "y" }]);
    const broken = await collect(readJson(file("b.json", '[{"q": "x"}, {"q": ')));
    expect(rows(broken)).toEqual([{ q: "x" }]);
    expect(broken.at(-1)).toMatchObject({ type: "finding", reason: "json-syntax" });
  });
});

describe("Parquet source", () => {
  it("reads every row group in order", async () => {
    const p = join(tmp(), "p.parquet");
    const n = 2500;
    parquetWriteFile({
      filename: p,
      columnData: [
        { name: "question", data: Array.from({ length: n }, (_, i) => `q${i}`), type: "STRING" },
        { name: "answer", data: Array.from({ length: n }, (_, i) => `a${i}`), type: "STRING" },
      ],
      rowGroupSize: 1000,
    });
    const items = await collect(readParquet(p));
    expect(items).toHaveLength(n);
    expect(items[0]).toMatchObject({ values: { question: "q0", answer: "a0" }, origin: { row: 0 } });
    expect(items[2499]).toMatchObject({ values: { question: "q2499" }, origin: { row: 2499 } });
  });

  it("a file that is not Parquet is a finding, not a crash", async () => {
    const items = await collect(readParquet(file("x.parquet", "hello")));
    expect(items).toMatchObject([{ type: "finding", reason: "parquet" }]);
  });
});

describe("CSV files with no rows", () => {
  it("an empty file and a header-only file are warnings, not silence", async () => {
    expect(await collect(readCsv(file("e.csv", ""), { name: "e.csv" }))).toMatchObject([{ type: "finding", reason: "no-rows", severity: "warning", message: "the file is empty" }]);
    expect(await collect(readCsv(file("h.csv", "a;b;c\n"), { name: "h.csv" }))).toMatchObject([{ reason: "no-rows", message: "no data rows after the header (1 column; check --delimiter)" }]);
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanText, loadTokenCounter, readPdfPages, type PdfPage } from "../../src/index.js";
import { prose, wordRuns, writePdf } from "../helpers/pdf.js";
import { lines, run, tmp } from "../helpers/run.js";

async function pagesOf(path: string, jobs = 1, sharedPages?: number): Promise<PdfPage[]> {
  const out: PdfPage[] = [];
  for await (const p of readPdfPages([path], { jobs, sharedPages })) if (p.type === "page") out.push(p);
  return out;
}

const NAMES = ["amber", "birch", "cedar", "dune", "ember", "fjord", "grove", "heath", "inlet", "juniper", "kelp", "larch"];

/** Body lines unique to page i (real pages do not repeat each other's lines). */
function bodyOf(i: number): string[] {
  const n = NAMES[i % NAMES.length]!;
  return [
    `Streams let the ${n} program handle data that does not fit in memory. A reader`,
    `pulls one ${n} record at a time, a transform maps it, and a writer appends the`,
    `result for ${n}. Nothing waits for the whole input, so memory stays flat while the`,
    `input grows without bound, and the first ${n} results appear at once.`,
  ];
}


describe("PDF page text", () => {
  it("joins words from glyph positions: spaces at gaps, none inside words", async () => {
    const p = join(tmp(), "words.pdf");
    const spaced = await wordRuns(["The", "quick", "brown", "fox"], 72, 700, 3.2);
    const split = await wordRuns(["infor", "mation", "theory"], 72, 680, 0);
    // "infor"+"mation" touch (gap 0), "mation"+"theory" touch too: one word, then a real gap after it
    split[2]!.x += 3.2;
    await writePdf(p, [[...spaced, ...split]]);
    const [page] = await pagesOf(p);
    expect(page!.text.split(/\s+/)).toEqual(["The", "quick", "brown", "fox", "information", "theory"]);
    expect(page!.text).not.toMatch(/ {2}/);
  });

  it("re-joins words hyphenated at line ends, keeps real compounds, and separates paragraphs by vertical gaps", async () => {
    const p = join(tmp(), "hyphen.pdf");
    await writePdf(p, [
      [
        ...prose(["A long-term plan needs careful infor-", "mation about each long-", "term goal and its costs in every single", "quarter of the year ahead of us all."]),
        { text: "A second paragraph starts after a gap.", x: 72, y: 600 },
      ],
    ]);
    const [page] = await pagesOf(p);
    expect(page!.text).toBe(
      "A long-term plan needs careful information about each long-term goal and its costs in every single quarter of the year ahead of us all.\n\nA second paragraph starts after a gap.",
    );
  });

  it("removes running headers, footers and page numbers that recur across pages", async () => {
    const p = join(tmp(), "book.pdf");
    const pages = Array.from({ length: 8 }, (_, i) => [
      { text: i % 2 ? "Chapter 3. Stream Processing" : "Designing Data Pipelines", x: 72, y: 750 },
      ...prose([`Page body ${i + 1}: ${bodyOf(i)[0]}`, ...bodyOf(i).slice(1)]),
      { text: `${i + 41}`, x: 300, y: 40 },
    ]);
    await writePdf(p, pages);
    const got = await pagesOf(p);
    expect(got).toHaveLength(8);
    for (const [i, pg] of got.entries()) {
      expect(pg.page).toBe(i + 1);
      expect(pg.text).toMatch(new RegExp(`^Page body ${i + 1}: Streams let`));
      expect(pg.text).not.toMatch(/Chapter 3|Designing Data|^\d+$|\n\d+$/m);
    }
  });

  it("cleans ligatures, replacement and private-use characters; maps Arabic presentation forms; leaves CJK punctuation alone", () => {
    expect(cleanText("ﬁnd the ﬂow\uFFFD of \uE001oﬀers")).toBe("find the flow of offers");
    expect(cleanText("\uFEDF\uFEE3\uFE8E")).toBe("لما");
    expect(cleanText("你好，世界。x²")).toBe("你好，世界。x²");
    expect(cleanText("\u202Bسلام\u202C")).toBe("سلام");
  });

  it("gives the same pages whatever the number of worker threads", async () => {
    const p = join(tmp(), "many.pdf");
    await writePdf(p, Array.from({ length: 12 }, (_, i) => prose([`Page ${i + 1} text.`, ...bodyOf(i)])));
    const one = await pagesOf(p, 1);
    const three = await pagesOf(p, 3);
    expect(three).toEqual(one);
  });
});

describe("prep-data pdf", () => {
  async function book(pages = 6): Promise<string> {
    const p = join(tmp(), "book.pdf");
    await writePdf(p, Array.from({ length: pages }, (_, i) => prose([`Section ${i + 1}.`, ...bodyOf(i), ...bodyOf(i + 6)])));
    return p;
  }

  it("writes cpt records with overlap between consecutive chunks and page provenance in --metadata", async () => {
    const pdf = await book();
    const dir = tmp();
    const r = await run(["pdf", pdf, "--chunk-size", "300", "--chunk-overlap", "60", "--chunk-unit", "chars", "-o", join(dir, "t.jsonl"), "--metadata", join(dir, "m.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(readFileSync(join(dir, "t.jsonl"), "utf8")) as { input: string }[];
    const meta = lines(readFileSync(join(dir, "m.jsonl"), "utf8")) as { record: number; source: string; pages: [number, number] }[];
    expect(recs.length).toBeGreaterThan(6);
    expect(meta).toHaveLength(recs.length);
    expect(Object.keys(recs[0]!)).toEqual(["input"]);
    expect(meta[0]).toMatchObject({ record: 0, source: pdf, pages: [1, 1] });
    expect(meta.at(-1)!.pages[1]).toBe(6);
    for (const m of meta) expect(m.pages[0]).toBeLessThanOrEqual(m.pages[1]);
    let overlapping = 0;
    for (let i = 1; i < recs.length; i++) {
      const tail = recs[i - 1]!.input.slice(-40);
      if (recs[i]!.input.includes(tail.slice(tail.indexOf(" ") + 1))) overlapping++;
    }
    expect(overlapping).toBeGreaterThan(recs.length / 2);
    expect(r.stderr).toContain(`${pdf}: 6 pages, 6 with text`);
  });

  it("never writes a record over --max-tokens: long chunks are split, not truncated", async () => {
    const pdf = await book(3);
    const r = await run(["pdf", pdf, "--chunk-size", "2000", "--chunk-unit", "chars", "--chunk-overlap", "0", "--max-tokens", "60", "--format", "text"]);
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(r.stdout) as { text: string }[];
    const cl = await loadTokenCounter("cl100k");
    for (const x of recs) expect(cl.count(x.text)).toBeLessThanOrEqual(60);
    const words = (s: string) => s.split(/\s+/).filter(Boolean);
    const all = words(recs.map((x) => x.text).join(" "));
    expect(all.filter((w) => w === "Streams").length).toBe(6); // every sentence survives: 3 pages × 2
  });

  it("reads stdin with -, reports a damaged file and a missing file, and still writes the good one (exit 1)", async () => {
    const pdf = await book(2);
    const viaStdin = await run(["pdf", "-", "--chunk-unit", "chars", "--chunk-size", "5000"], { input: readFileSync(pdf) });
    expect(viaStdin.code, viaStdin.stderr).toBe(0);
    expect((lines(viaStdin.stdout) as { input: string }[])[0]!.input).toMatch(/^Section 1\./);
    const bad = join(tmp(), "bad.pdf");
    writeFileSync(bad, "%PDF-1.7\nthis is not really a PDF\n");
    const out = join(tmp(), "o.jsonl");
    const r = await run(["pdf", bad, pdf, join(tmp(), "missing.pdf"), "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.pdf: FAILED: /);
    expect(r.stderr).toMatch(/missing\.pdf: file: no such file/);
    expect(lines(readFileSync(out, "utf8")).length).toBeGreaterThan(0);
  });

  it("reports a page without text as such and emits no empty record", async () => {
    const p = join(tmp(), "blank.pdf");
    await writePdf(p, [prose(["Only the first page has text."]), []]);
    const r = await run(["pdf", p]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("page 2 has no extractable text");
    expect(lines(r.stdout)).toEqual([{ input: "Only the first page has text." }]);
  });

  it("output is byte-identical for --jobs 1, 2 and 3 (this thread alone, then with one and two workers)", async () => {
    const pdf = await book(8);
    const a = await run(["pdf", pdf, "--jobs", "1", "--chunk-size", "120"]);
    expect(a.stdout.length).toBeGreaterThan(1000);
    for (const jobs of ["2", "3"]) expect((await run(["pdf", pdf, "--jobs", jobs, "--chunk-size", "120"])).stdout).toBe(a.stdout);
  });

  it("an output that would overwrite the input stops the run at once, workers included (exit 2, no hang)", async () => {
    const pdf = await book(8);
    const r = await run(["pdf", pdf, "-o", pdf, "--jobs", "2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("refusing to write");
  });

  it("a long document is extracted by the workers alone, with the same pages", async () => {
    const pdf = await book(8);
    const one = await pagesOf(pdf, 1);
    expect(one.length).toBe(8);
    expect(await pagesOf(pdf, 2, 4)).toEqual(one); // 8 pages > 4: workers only
    expect(await pagesOf(pdf, 3, 4)).toEqual(one);
  });
});

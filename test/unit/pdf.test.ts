import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { cleanText, loadTokenCounter, readPdfPages, type PdfPage } from "../../src/index.js";
import { PopplerExtractor, popplerLines } from "../../src/pdf/poppler.js";
import { openPdf, pageLines } from "../../src/pdf/document.js";
import { RenewingDocument } from "../../src/pdf/renewing.js";
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

  it("pdf.js reads text without loading its canvas library (a native library of ~20 MB a thread, there to render pages)", async () => {
    const d = tmp();
    const pdf = await book(8);
    // Each process writes the native libraries it has mapped as it exits (worker threads share its maps).
    const hook = join(d, "maps.mjs");
    writeFileSync(hook, `import { readFileSync, appendFileSync } from "node:fs";\nprocess.on("exit", () => appendFileSync(${JSON.stringify(join(d, "maps.txt"))}, readFileSync("/proc/self/maps", "utf8")));\n`);
    const env = { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` };
    for (const jobs of ["1", "2"]) {
      const r = await run(["pdf", pdf, "--engine", "pdfjs", "--jobs", jobs, "--chunk-size", "120", "-o", join(d, `out${jobs}.jsonl`)], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/canvas|DOMMatrix|Path2D|ImageData/);
      expect(lines(readFileSync(join(d, `out${jobs}.jsonl`), "utf8")).length).toBeGreaterThan(3);
    }
    const maps = readFileSync(join(d, "maps.txt"), "utf8");
    expect(maps).toContain("libc"); // the hook ran
    expect(maps).not.toMatch(/skia|napi-rs/);
  });
});

describe("pdf.js memory: long documents renewed, worker threads under a heap ceiling", () => {
  it("a document opened afresh every 2 pages gives the same lines, page refs and order as one never renewed", async () => {
    const p = join(tmp(), "long.pdf");
    await writePdf(p, Array.from({ length: 9 }, (_, i) => prose([`Section ${i + 1}.`, ...bodyOf(i)])));
    const read = async (renewPages: number, width: number) => {
      const d = await openPdf({ path: p }, [], { renewPages });
      // `width` pages in flight at once, as the extractors ask for them
      const out = [];
      for (let at = 1; at <= d.numPages; at += width) out.push(...(await Promise.all(Array.from({ length: Math.min(width, d.numPages - at + 1) }, (_, k) => pageLines(d, at + k)))));
      const renewals = d.renewals;
      await d.close();
      return { out, renewals };
    };
    const once = await read(1000, 1);
    expect(once.renewals).toBe(0);
    expect(once.out.map((x) => x.lines.length).every((n) => n > 0)).toBe(true);
    for (const width of [1, 3]) {
      const renewed = await read(2, width);
      expect(renewed.renewals, `width ${width}`).toBe(width === 1 ? 4 : 2); // after pages 2, 4, 6, 8; after each batch of 3 but the last
      expect(renewed.out).toEqual(once.out);
    }
  });

  it("renewal waits for the pages in flight, holds new ones until the new document is open, and close ends it at once", async () => {
    const log: string[] = [];
    let made = 0;
    const held = () => {
      const id = ++made;
      return { doc: id, destroy: async () => void log.push(`destroy ${id}`) };
    };
    const d = new RenewingDocument(held(), async () => (log.push("reopen"), held()), 2);
    const gates: (() => void)[] = [];
    const page = (n: number) => d.use((doc) => new Promise<string>((r) => gates.push(() => r(`${n}@${doc}`))));
    const a = page(1);
    const b = page(2);
    const c = page(3); // asked while 1 and 2 are in flight: served by the document open when it starts
    await Promise.resolve();
    expect(gates.length).toBe(3);
    gates[0]!();
    gates[1]!();
    expect([await a, await b]).toEqual(["1@1", "2@1"]);
    const e = page(4); // renewal is due but page 3 is still in flight: page 4 waits
    await new Promise((r) => setTimeout(r, 10));
    expect(gates.length).toBe(3);
    expect(log).toEqual([]);
    gates[2]!();
    expect(await c).toBe("3@1");
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(["destroy 1", "reopen"]);
    gates[3]!();
    expect(await e).toBe("4@2");
    expect(d.renewals).toBe(1);
    await d.close();
    expect(log.at(-1)).toBe("destroy 2");
    await expect(page(5)).rejects.toThrow(/closed/);
  });

  it("a reopen that fails fails the pages after it with the reason, not a hang", async () => {
    const d = new RenewingDocument({ doc: 1, destroy: async () => undefined }, async () => {
      throw new Error("disk gone");
    }, 1);
    expect(await d.use(async (doc) => doc)).toBe(1);
    await expect(d.use(async (doc) => doc)).rejects.toThrow(/could not be opened again after 1 pages: disk gone/);
  });

  it("a worker thread over its heap ceiling refuses the document with the reason (pdf-limit), ends the run, and leaves the output as it was", async () => {
    const d = tmp();
    const docs = [join(d, "a.pdf"), join(d, "b.pdf"), join(d, "c.pdf")];
    for (const [k, f] of docs.entries()) await writePdf(f, [prose([`Document ${k} has a page of ordinary text about pumps and valves.`, ...bodyOf(k)])]);
    const out = join(d, "out.jsonl");
    writeFileSync(out, "kept\n");
    // One document: read by every thread, so the worker's failure refuses it (exit 3: nothing written).
    const r = await run(["pdf", docs[0]!, "--engine", "pdfjs", "--jobs", "2", "-o", out], { env: { PREP_DATA_PDF_WORKER_HEAP_MB: "4" } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/pdf-limit: the pdf\.js thread ran out of memory \(its heap ceiling is 4 MB\); PREP_DATA_PDF_WORKER_HEAP_MB sets it/);
    expect(r.stderr).toMatch(/rejected 1 \(pdf-limit 1\)/);
    expect(readFileSync(out, "utf8")).toBe("kept\n");
    // The same files under the default ceiling are all written.
    const ok = await run(["pdf", ...docs, "--engine", "pdfjs", "--jobs", "2", "-o", out]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lines(readFileSync(out, "utf8")).length).toBe(3);
  }, 60_000);
});

describe("PDF bounds: no document costs unbounded time or memory", () => {
  it("a content stream that inflates past --max-stream-mb is refused at once; the other files are written", async () => {
    const d = tmp();
    const { writeTextBomb } = await import("../helpers/pdf-bombs.js");
    const bomb = join(d, "bomb.pdf");
    writeTextBomb(bomb, 40); // 40 MB of text operators in a file of ~0.1 MB
    const good = join(d, "good.pdf");
    await writePdf(good, [prose(bodyOf(1))]);
    const out = join(d, "o.jsonl");
    const t0 = Date.now();
    const r = await run(["pdf", bomb, good, "--max-stream-mb", "16", "-o", out]);
    expect(Date.now() - t0).toBeLessThan(15_000); // pdf.js alone takes minutes on such a stream
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bomb\.pdf: pdf-limit: a content stream \(object 4 0 R\) inflates to more than 16 MiB \(--max-stream-mb\)/);
    expect(lines(readFileSync(out, "utf8"))).toHaveLength(1);
  });

  it("streams too short to inflate past the limit are skipped (deflate's 1032:1 bound), and the densest real bomb is still caught", async () => {
    const { deflateSync } = await import("node:zlib");
    const { oversizedStream } = await import("../../src/pdf/bounds.js");
    const limit = 1 << 20;
    const pdf = (body: Buffer) =>
      Buffer.concat([Buffer.from(`%PDF-1.4\n4 0 obj\n<< /Length ${body.length} /Filter /FlateDecode >>\nstream\n`), body, Buffer.from("\nendstream\nendobj\n%%EOF\n")]);
    // Zeros at zlib's best ratio: one byte over the limit is ~1,016 compressed bytes, above the skip threshold.
    const dense = deflateSync(Buffer.alloc(limit + 1), { level: 9 });
    expect(dense.length * 1040).toBeGreaterThanOrEqual(limit);
    expect(oversizedStream(pdf(dense), limit)).toMatchObject({ object: "4 0 R" });
    // Exactly the limit: not over.
    expect(oversizedStream(pdf(deflateSync(Buffer.alloc(limit), { level: 9 })), limit)).toBeUndefined();
    // Ordinary content streams: skipped, and the document passes.
    expect(oversizedStream(pdf(deflateSync(Buffer.from("BT /F1 12 Tf (hello) Tj ET ".repeat(500)))), limit)).toBeUndefined();
  });

  it("a page tree claiming a million pages is refused by --max-pages; one page listed many times stops after 25 repeats", async () => {
    const d = tmp();
    const { writePageTreeBomb } = await import("../helpers/pdf-bombs.js");
    const huge = join(d, "huge.pdf");
    writePageTreeBomb(huge, 1_000_000);
    const r = await run(["pdf", huge, "-o", join(d, "h.jsonl")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/huge\.pdf: pdf-limit: claims 1,000,000 pages, over the limit of 100,000 \(--max-pages\)/);
    const many = join(d, "many.pdf");
    writePageTreeBomb(many, 5000);
    const m = await run(["pdf", many, "-o", join(d, "m.jsonl"), "--max-findings", "3"]);
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(/page 2: the same page object as page 1 \(a malformed page tree\)/);
    expect(m.stderr).toMatch(/stopped after 25 unreadable pages in a row \(the file claims 5,000 pages\)/);
    expect((lines(readFileSync(join(d, "m.jsonl"), "utf8")) as { input: string }[])[0]!.input).toBe("The only real page.");
  });

  it("SIGTERM during a long extraction ends the run within 2 s, with no output left behind", async () => {
    const d = tmp();
    const pdf = join(d, "long.pdf");
    await writePdf(pdf, Array.from({ length: 600 }, (_, i) => prose(bodyOf(i))));
    const out = join(d, "o.jsonl");
    const { spawn } = await import("node:child_process");
    const { BIN } = await import("../helpers/run.js");
    const child = spawn(process.execPath, [BIN, "pdf", pdf, "-o", out], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c) => (err += c));
    await new Promise((r) => setTimeout(r, 1200));
    const sent = Date.now();
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(code).toBe(143);
    expect(err).toMatch(/interrupted by SIGTERM/);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(d).sort()).toEqual(["long.pdf"]);
  });
});

describe("PDF text kept and passwords", () => {
  it("header/footer removal never empties a page: a short form whose pages differ only in numbers keeps its text", async () => {
    const d = tmp();
    const pdf = join(d, "form.pdf");
    await writePdf(pdf, [1, 2, 3].map((k) => prose([`Invoice 100${k}`, `Amount due ${k}50 EUR`, `Due 2024-01-0${k}`])));
    const r = await run(["pdf", pdf, "-o", "-"]);
    expect(r.code, r.stderr).toBe(0);
    const text = (lines(r.stdout) as { input: string }[]).map((x) => x.input).join("\n");
    for (const k of [1, 2, 3]) expect(text).toContain(`Invoice 100${k}`);
  });

  it("AES-256 (revisions 5 and 6) and AES-128 files open with their non-ASCII password as typed, decomposed or not", async () => {
    const pw = "mañana-ñú";
    for (const f of ["aes256-r5.pdf", "aes256-r6.pdf", "aes128-utf8-bytes.pdf"]) {
      for (const given of [pw, pw.normalize("NFD")]) {
        const r = await run(["pdf", join(import.meta.dirname, "../../fixtures/pdf", f), "--password", given, "-o", "-"]);
        expect(r.code, `${f} ${given === pw ? "NFC" : "NFD"}: ${r.stderr}`).toBe(0);
        expect((lines(r.stdout) as { input: string }[])[0]!.input).toBe("This page is encrypted; the password has accents.");
      }
    }
    const wrong = await run(["pdf", join(import.meta.dirname, "../../fixtures/pdf/aes256-r5.pdf"), "--password", "manana"]);
    expect(wrong.stderr).toMatch(/wrong password \(tried 1\)/);
  });
});

describe("garbled text layers", () => {
  it("the verdict counts word-like tokens by code point: equal to a per-character reference on seeded mixed text", async () => {
    const { garbledText } = await import("../../src/pdf/garbled.js");
    const reference = (t: string) => {
      let alnum = 0;
      for (const ch of t) if (/[\p{L}\p{N}\p{M}]/u.test(ch)) alnum++;
      return alnum > 0 && alnum * 2 >= [...t].length;
    };
    const bits = ["a", "Z", "9", "é", "\u0301", "中", "😀", "𝐀", "𝟘", "+", "%", "!", "$", "-", ".", "…", "→", "─", "—", "•", "(", ")", "ا", "ँ", "\ud800", "\udfff"];
    const spaces = [" ", "\n", "\t", "  ", "\u00a0", "\u3000", "\u2028", " \r\n"];
    let seed = 3;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let k = 0; k < 300; k++) {
      const tokens = Array.from({ length: 10 + rand(40) }, () => Array.from({ length: 1 + rand(6) }, () => bits[rand(bits.length)]).join(""));
      const v = garbledText(tokens.map((t) => t + spaces[rand(spaces.length)]).join(""));
      const kept = tokens.filter((t) => !/^[.·…•_\-–—=*~\u2190-\u21FF\u2500-\u27BF\u2B00-\u2BFF]+$/u.test(t));
      expect(v.tokens).toBe(kept.length);
      expect(v.wordlike).toBeCloseTo(kept.length ? kept.filter(reference).length / kept.length : 1, 12);
    }
  });

  it("a PDF whose font maps glyphs to the wrong code points has its pages refused (garbled-text), never written", async () => {
    const d = tmp();
    const { writeWrongCodePointsPdf } = await import("../helpers/pdf-bombs.js");
    const bad = join(d, "garbled.pdf");
    writeWrongCodePointsPdf(bad, [Array.from({ length: 20 }, (_, i) => `Introduction line ${i} about the pump and its valves`), Array.from({ length: 20 }, (_, i) => `Second page line ${i} with more words`)]);
    const good = join(d, "good.pdf");
    await writePdf(good, [prose(bodyOf(2))]);
    const out = join(d, "o.jsonl");
    const r = await run(["pdf", bad, good, "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/garbled\.pdf page 1: garbled-text: page 1: the text layer is not language/);
    expect(r.stderr).toMatch(/garbled\.pdf: 2 pages, 2 with text, 2 with garbled text \(refused\)/);
    expect(r.stderr).toMatch(/rejected 2 \(garbled-text 2\)/);
    const recs = lines(readFileSync(out, "utf8")) as { input: string }[];
    expect(recs).toHaveLength(1);
    expect(recs[0]!.input).toMatch(/^Streams let the cedar program/);
    // Dot leaders of a table of contents are not symbol soup.
    const toc = join(d, "toc.pdf");
    await writePdf(toc, [prose(Array.from({ length: 30 }, (_, i) => `${NAMES[i % NAMES.length]} ${". ".repeat(30)} ${i + 1}`))]);
    const t = await run(["pdf", toc, "-o", "-"]);
    expect(t.code, t.stderr).toBe(0);
  });
});

const HAVE_POPPLER = !spawnSync("pdftotext", ["-v"]).error;
if (!HAVE_POPPLER) console.warn("\n*** SKIPPING the poppler engine tests: pdftotext not found (apt-get install poppler-utils) ***\n");
/** Runs that may pick poppler: the suite pins pdf.js (vitest.config.ts) unless a test unsets the pin. */
const POPPLER = { PREP_DATA_PDFTOTEXT: undefined };

/**
 * `pdftotext` and `pdfinfo` wrappers in `dir` that log each call (arguments; pdfinfo's prefixed "pdfinfo") to
 * `log`, then run the real tools. `calls()` counts pdftotext's.
 */
function loggedPoppler(dir: string, log: string): { read: () => string; calls: () => number } {
  const real = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).stdout.trim();
  writeFileSync(join(dir, "pdftotext"), `#!/bin/sh\necho "$@" >> "${log}"\nexec "${real("pdftotext")}" "$@"\n`, { mode: 0o755 });
  writeFileSync(join(dir, "pdfinfo"), `#!/bin/sh\necho pdfinfo "$@" >> "${log}"\nexec "${real("pdfinfo")}" "$@"\n`, { mode: 0o755 });
  const read = () => (existsSync(log) ? readFileSync(log, "utf8") : "");
  return { read, calls: () => read().split("\n").filter((l) => l && !l.startsWith("pdfinfo")).length };
}

describe("page extraction engines", () => {
  it("poppler's text becomes lines and paragraphs like pdf.js's: blank lines between its blocks start paragraphs, lines cleaned", () => {
    expect(popplerLines("First  line of a block\nsecond line\n\nNext ﬁle block\n\n\n")).toEqual([
      { text: "First line of a block", y: 0, size: 0, paragraph: false },
      { text: "second line", y: 0, size: 0, paragraph: false },
      { text: "Next file block", y: 0, size: 0, paragraph: true },
    ]);
  });

  it("poppler lines: a page with nothing to clean skips cleaning and gives the same lines; noise and ligatures beside spaces are cleaned line by line as before", () => {
    const reference = (page: string) => page.split("\n").map((raw) => cleanText(raw.replace(/\s+/g, " ")).trim());
    const plain = ["word", " ", "  ", "\t", "\u00a0", "é", "中文", "\n", "\n\n", "\u3000", "x", "\u2028"];
    const noisy = [...plain, "\u000b", "\u000c", "\r", "\ufeff", "\ufffd", "\ue000", "\u200e", "ﬁ", "ﻻ", "\u0085", "\u0007", "\ufe70"];
    let seed = 9;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    for (let k = 0; k < 3000; k++) {
      const bits = k % 2 ? noisy : plain;
      const page = Array.from({ length: 1 + rand(30) }, () => bits[rand(bits.length)]).join("");
      const want = reference(page);
      const texts = popplerLines(page).map((l) => l.text);
      expect(texts, JSON.stringify(page)).toEqual(want.filter((t) => t !== ""));
    }
  });

  it("--engine poppler without pdftotext is a usage error naming the package; auto falls back to pdf.js", async () => {
    const d = tmp();
    const p = join(d, "a.pdf");
    await writePdf(p, [prose(bodyOf(0))]);
    const r = await run(["pdf", p, "--engine", "poppler", "-o", "-"], { env: { PREP_DATA_PDFTOTEXT: join(d, "no-such-pdftotext") } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--engine poppler needs poppler's pdftotext .*poppler-utils/);
    const auto = await run(["pdf", p, "-o", "-"], { env: { PREP_DATA_PDFTOTEXT: join(d, "no-such-pdftotext") } });
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toMatch(/engine pdfjs/);
  });

  it.skipIf(!HAVE_POPPLER)("poppler: the same path after extraction (running heads removed, garbled pages refused, bombs refused first), files in order with several processes at once", async () => {
    const d = tmp();
    const book = join(d, "book.pdf");
    await writePdf(book, Array.from({ length: 8 }, (_, i) => [{ text: "Designing Data Pipelines", x: 72, y: 750 }, ...prose([`Page body ${i + 1}: ${bodyOf(i)[0]}`, ...bodyOf(i).slice(1)]), { text: `${i + 41}`, x: 300, y: 40 }]));
    const r = await run(["pdf", book, "--engine", "poppler", "--chunk-size", "60", "-o", "-"], { env: POPPLER });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/engine poppler/);
    const text = (lines(r.stdout) as { input: string }[]).map((x) => x.input).join("\n");
    for (let i = 1; i <= 8; i++) expect(text).toContain(`Page body ${i}: Streams let`);
    expect(text).not.toMatch(/Designing Data|^4\d$/m);
    expect(r.stderr).toMatch(/book\.pdf: 8 pages, 8 with text, 16 header\/footer lines removed/);
    const { writeWrongCodePointsPdf, writeTextBomb } = await import("../helpers/pdf-bombs.js");
    const bad = join(d, "garbled.pdf");
    writeWrongCodePointsPdf(bad, [Array.from({ length: 20 }, (_, i) => `Introduction line ${i} about the pump and its valves`)]);
    const bomb = join(d, "bomb.pdf");
    writeTextBomb(bomb, 40);
    const docs = [];
    for (let k = 0; k < 6; k++) {
      const f = join(d, `doc${k}.pdf`);
      await writePdf(f, [prose([`Document ${k} has a page of ordinary text about pumps and valves.`])]);
      docs.push(f);
    }
    const many = await run(["pdf", bad, bomb, ...docs, "--engine", "poppler", "--max-stream-mb", "16", "-j", "3", "-o", "-"], { env: POPPLER });
    expect(many.stderr).toMatch(/garbled\.pdf page 1: garbled-text/);
    expect(many.stderr).toMatch(/bomb\.pdf: pdf-limit: a content stream .* inflates to more than 16 MiB/);
    expect((lines(many.stdout) as { input: string }[]).map((x) => x.input.slice(0, 10))).toEqual(docs.map((_, k) => `Document ${k}`));
    const one = await run(["pdf", bad, bomb, ...docs, "--engine", "poppler", "--max-stream-mb", "16", "-j", "1", "-o", "-"], { env: POPPLER });
    expect(one.stdout).toBe(many.stdout);
  });

  it.skipIf(!HAVE_POPPLER)("poppler: documents are extracted ahead of the one being chunked, 2 processes at a time, until the text held reaches its bound", async () => {
    const d = tmp();
    const log = join(d, "calls.log");
    const { calls } = loggedPoppler(d, log);
    const docs: string[] = [];
    for (let k = 0; k < 10; k++) {
      docs.push(join(d, `doc${k}.pdf`));
      await writePdf(docs[k]!, [prose([`Document ${k} has a page of ordinary text about pumps and valves.`])]);
    }
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
    };
    const pinned = process.env.PREP_DATA_PDFTOTEXT;
    process.env.PREP_DATA_PDFTOTEXT = join(d, "pdftotext");
    try {
      // Held text bounded to 1 character: the first two run, and the next starts only when a document is closed.
      const tight = new PopplerExtractor(undefined, 2, undefined, { docs: 32, chars: 1 });
      tight.expect(docs.length);
      docs.forEach((p, k) => tight.prefetch(k, { path: p }));
      await until(() => calls() >= 2);
      await new Promise((r) => setTimeout(r, 400));
      expect(calls()).toBe(2);
      // Closing the first frees its text, but the second's is still held: nothing starts.
      expect(await tight.open(0, { path: docs[0]! })).toBe(1);
      expect((await tight.page(0, 1)).lines[0]!.text).toMatch(/^Document 0 has/);
      await tight.close(0);
      await new Promise((r) => setTimeout(r, 400));
      expect(calls()).toBe(2);
      // Nothing held: the next two start (2 processes), and then hold text again.
      await tight.open(1, { path: docs[1]! });
      await tight.close(1);
      await until(() => calls() >= 4);
      await new Promise((r) => setTimeout(r, 400));
      expect(calls()).toBe(4);
      await tight.end();
      // As shipped: all ten are extracted before the first is opened (the bound is 32 documents, 32 Mi characters).
      writeFileSync(log, "");
      const wide = new PopplerExtractor(undefined, 2);
      wide.expect(docs.length);
      docs.forEach((p, k) => wide.prefetch(k, { path: p }));
      await until(() => calls() >= 10);
      expect(calls()).toBe(10);
      for (let k = 0; k < docs.length; k++) {
        expect(await wide.open(k, { path: docs[k]! })).toBe(1);
        expect((await wide.page(k, 1)).lines[0]!.text).toMatch(new RegExp(`^Document ${k} has`));
        await wide.close(k);
      }
      await wide.end();
    } finally {
      process.env.PREP_DATA_PDFTOTEXT = pinned;
    }
  });

  it.skipIf(!HAVE_POPPLER)("poppler: pdftotext is found on PATH; a long document is split among processes only when no other document is left to read", async () => {
    const d = tmp();
    const book = join(d, "a-long.pdf");
    await writePdf(book, Array.from({ length: 200 }, (_, i) => prose([`Page ${i + 1} of the long manual.`, ...bodyOf(i)])));
    const short = [join(d, "b.pdf"), join(d, "c.pdf")];
    for (const [k, f] of short.entries()) await writePdf(f, [prose([`Short document ${k} about valves.`])]);
    const log = join(d, "calls.log");
    const bin = join(d, "bin");
    mkdirSync(bin);
    const { read, calls } = loggedPoppler(bin, log);
    // Found on PATH (no PREP_DATA_PDFTOTEXT): the wrappers are the ones called.
    const two = await run(["pdf", book, ...short, "--engine", "poppler", "-j", "2", "-o", "-"], { env: { PREP_DATA_PDFTOTEXT: undefined, PATH: `${bin}:${process.env.PATH}` } });
    expect(two.code, two.stderr).toBe(0);
    expect(read()).toContain(book);
    const one = await run(["pdf", book, ...short, "--engine", "poppler", "-j", "1", "-o", "-"], { env: { PREP_DATA_PDFTOTEXT: undefined } });
    expect(two.stdout).toBe(one.stdout);
    const pinned = process.env.PREP_DATA_PDFTOTEXT;
    process.env.PREP_DATA_PDFTOTEXT = join(bin, "pdftotext");
    try {
      // The long one opened first, the other two not yet started: one process reads it whole.
      writeFileSync(log, "");
      const first = new PopplerExtractor(undefined, 2);
      first.expect(3);
      expect(await first.open(0, { path: book })).toBe(200);
      expect(read()).not.toMatch(/-f \d|^pdfinfo/m);
      await first.end();
      // The other two read and done before it is opened: it is the last left, and two processes share it.
      writeFileSync(log, "");
      const last = new PopplerExtractor(undefined, 2);
      last.expect(3);
      short.forEach((p, k) => last.prefetch(k + 1, { path: p }));
      for (let i = 0; i < 200 && calls() < 2; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      expect(await last.open(0, { path: book })).toBe(200);
      expect(read()).toMatch(/-f 1 -l 100 /);
      expect(read()).toMatch(/-f 101 -l 200 /);
      await last.end();
    } finally {
      process.env.PREP_DATA_PDFTOTEXT = pinned;
    }
  });

  it.skipIf(!HAVE_POPPLER)("poppler: a long document alone is read by several processes, a page range each, with the same records as one process", async () => {
    const d = tmp();
    const book = join(d, "long.pdf");
    await writePdf(book, Array.from({ length: 200 }, (_, i) => prose([`Page ${i + 1} of the long manual.`, ...bodyOf(i)])));
    // Wrappers that log how pdftotext is called, then run the real tools.
    const log = join(d, "calls.log");
    loggedPoppler(d, log);
    const env = { PREP_DATA_PDFTOTEXT: join(d, "pdftotext") };
    const two = await run(["pdf", book, "--engine", "poppler", "-j", "2", "-o", "-"], { env });
    expect(two.code, two.stderr).toBe(0);
    const calls = readFileSync(log, "utf8");
    expect(calls).toMatch(/-f 1 -l 100 /);
    expect(calls).toMatch(/-f 101 -l 200 /);
    writeFileSync(log, "");
    const one = await run(["pdf", book, "--engine", "poppler", "-j", "1", "-o", "-"], { env });
    expect(readFileSync(log, "utf8")).not.toMatch(/-f /);
    expect(two.stdout).toBe(one.stdout);
    // Every page's body is there (the "Page N" heads recur at page edges and go as running heads).
    expect(((lines(one.stdout) as { input: string }[]).map((x) => x.input).join("\n").match(/Streams let the/g) ?? []).length).toBeGreaterThanOrEqual(200);
  });
});

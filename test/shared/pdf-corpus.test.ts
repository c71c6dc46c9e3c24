import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTokenCounter, readPdfPages, type PdfOutcome } from "../../src/index.js";
import { REDACT_KINDS, Redactor } from "../../src/quality/index.js";
import { lines, run, tmp } from "../helpers/run.js";
import { HAVE_SHARED, SHARED } from "./shared.js";

const PDF = join(SHARED, "corpus/pdf");

async function text(file: string, maxPages = Infinity): Promise<string> {
  let out = "";
  let n = 0;
  for await (const p of readPdfPages([join(PDF, file)], { jobs: 1 })) {
    if (p.type === "page") out += p.text + "\n\n";
    if (++n >= maxPages) break;
  }
  return out;
}

/**
 * --redact on the corpus's text (R manuals, install guides, papers, books): every version number, section number and
 * ISBN survives; no card or phone number is found (the corpus has none); each address replaced is a real one.
 */
function redactionHasNoFalseHits(texts: string[]): void {
  const r = new Redactor([...REDACT_KINDS]);
  const versions = new Set<string>();
  const isbns = new Set<string>();
  let ips = 0;
  for (const t of texts) {
    const out = r.redact(t);
    for (const m of t.matchAll(/(?<![\d.])[vV]?\d+\.\d+\.\d+(?:\.\d+)?(?![\d.])/g)) {
      const before = t.slice(Math.max(0, m.index! - 40), m.index);
      // An address named as one (after "ip", "address", "host", "server", …) is not a version.
      if (/(?:ip|address|host|server|gateway|subnet|netmask|network|loopback|dns|http:\/\/|=)[\s:=("'\[]*$/i.test(before) || m[0].split(".").some((p) => Number(p) > 31)) continue;
      versions.add(m[0]);
      expect(out, `version ${m[0]}`).toContain(m[0]);
    }
    for (const m of t.matchAll(/ISBN[-: ]*(?:1[03])?:?\s*([\dX][\d\- X]{8,16}[\dX])/gi)) {
      isbns.add(m[1]!);
      expect(out, `ISBN ${m[1]}`).toContain(m[1]!);
    }
    ips += (out.match(/\[IP\]/g) ?? []).length;
  }
  expect(versions.size).toBeGreaterThan(100);
  expect(isbns.size).toBeGreaterThanOrEqual(3);
  expect(r.counts["credit-card"] ?? 0).toBe(0);
  expect(r.counts.phone ?? 0).toBe(0);
  expect(r.counts["aws-key"] ?? 0).toBe(0);
  expect(ips).toBe(r.counts.ip ?? 0);
  expect(r.counts.email ?? 0).toBeGreaterThan(50); // the R manuals' authors and maintainers
}

describe.skipIf(!HAVE_SHARED)("../shared/corpus/pdf", () => {
  it("the whole corpus runs in one command: a line per file, records or a clear error for each, no crash or hang", async () => {
    const out = join(tmp(), "corpus.jsonl");
    const r = await run(["pdf", PDF, "--password", "test", "--password", "abc", "--password", "æøå", "--password", "ELXRTQWS", "-o", out, "--max-findings", "0"]);
    expect(r.code).toBe(1); // damaged and scanned files fail, the rest are written
    const manifest = readFileSync(join(PDF, "MANIFEST.md"), "utf8");
    const files = [...new Set([...manifest.matchAll(/`((?:damaged|encrypted|long-books|multi-column|non-latin|odd|scanned|tables)\/[^`]+\.pdf)`/g)].map((m) => m[1]!))];
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const f of files) expect(r.stderr, f).toMatch(new RegExp(`${f.replace(/[.+]/g, "\\$&")}: (\\d+ pages?, |FAILED: )`));
    expect(r.stderr).toMatch(/damaged\/bug1020226\.pdf: FAILED: not a valid PDF/);
    expect(r.stderr).toMatch(/damaged\/poppler-85140-0\.pdf: 1 page/); // claims 213,804,087 pages
    for (const scan of ["scanned/issue13372-ccitt.pdf", "scanned/issue5481-jpx-images.pdf", "tables/css-colors-vector-text.pdf"]) {
      expect(r.stderr).toMatch(new RegExp(`${scan.replace(/[.]/g, "\\.")}: \\d+ pages?, 0 with text, \\d+ without a text layer`));
    }
    const recs = lines(readFileSync(out, "utf8")) as { input: string }[];
    expect(recs.length).toBeGreaterThan(1000);
    expect(recs.every((x) => x.input.trim().length > 0)).toBe(true);
    redactionHasNoFalseHits(recs.map((x) => x.input));
  });

  it("an encrypted file without its password says it needs one", async () => {
    const r = await run(["pdf", join(PDF, "encrypted/pdftools-password-test.pdf")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("pdftools-password-test.pdf: FAILED: needs a password (--password)");
    const ok = await run(["pdf", join(PDF, "encrypted/pdftools-password-test.pdf"), "--password", "test"]);
    expect(ok.code).toBe(0);
    expect(lines(ok.stdout).length).toBeGreaterThan(0);
  });

  it("pdf.js's AES-256 file with the non-ASCII password æøå opens with it typed decomposed (NFD), as macOS may send it", async () => {
    const r = await run(["pdf", join(PDF, "encrypted/issue6010_2-pw-aeoeaa.pdf"), "--password", "æøå".normalize("NFD"), "-o", "-"]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).length).toBe(1);
  });

  it("garbled-text refuses only pages whose text layer really is broken: the Russian install guide's b’’-interleaved preseed pages", async () => {
    const r = await run(["pdf", PDF, "--password", "test", "--password", "abc", "--password", "æøå", "--password", "ELXRTQWS", "-o", join(tmp(), "all.jsonl"), "--max-findings", "100000"]);
    const refused = [...r.stderr.matchAll(/^error: (\S+) page (\d+): garbled-text/gm)].map((m) => [m[1]!.replace(PDF + "/", ""), Number(m[2])] as const);
    expect(refused.every(([f]) => f === "non-latin/install.ru.pdf")).toBe(true);
    const { openPdf, pageLines } = await import("../../src/pdf/document.js");
    const doc = await openPdf({ path: join(PDF, "non-latin/install.ru.pdf") });
    try {
      for (const [, page] of refused) {
        const text = (await pageLines(doc, page)).lines.map((l) => l.text).join("\n");
        expect((text.match(/b’’/g) ?? []).length, `page ${page}`).toBeGreaterThan(100);
      }
    } finally {
      await doc.close();
    }
  }, 180_000);

  it("no content stream of the corpus is taken for a decompression bomb", async () => {
    const { oversizedStream } = await import("../../src/pdf/bounds.js");
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const flagged: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith(".pdf") && oversizedStream(readFileSync(p))) flagged.push(p);
      }
    };
    walk(PDF);
    expect(flagged).toEqual([]);
  });

  it("Chinese, Japanese, Korean, Russian and Arabic books yield text in their scripts", async () => {
    const scripts: [string, RegExp, number][] = [
      ["non-latin/pdftools-chinese.pdf", /\p{Script=Han}/gu, 1000],
      ["non-latin/refcard-zh_CN-a4.pdf", /\p{Script=Han}/gu, 500],
      ["non-latin/install.ja.pdf", /[\p{Script=Hiragana}\p{Script=Katakana}]/gu, 1000],
      ["non-latin/install.ko.pdf", /\p{Script=Hangul}/gu, 1000],
      ["non-latin/install.ru.pdf", /\p{Script=Cyrillic}/gu, 1000],
      ["non-latin/quran-doc.pdf", /\p{Script=Arabic}/gu, 1000],
    ];
    for (const [file, re, min] of scripts) {
      const t = await text(file, 20);
      expect(t.match(re)?.length ?? 0, file).toBeGreaterThan(min);
      expect(t, file).not.toMatch(/[\uFFFD\uE000-\uF8FF]/);
    }
    // Arabic presentation forms come out as base letters.
    expect(await text("non-latin/ArabicCIDTrueType.pdf")).not.toMatch(/[\uFB50-\uFDFF\uFE70-\uFEFF]/);
  });

  it("the token estimate is never below the exact counts on English, CJK and Arabic text from the corpus", async () => {
    const est = await loadTokenCounter("estimate");
    const exact = await Promise.all(["cl100k", "o200k", "llama3", "llama2"].map((n) => loadTokenCounter(n)));
    for (const file of ["long-books/freeculture.pdf", "non-latin/pdftools-chinese.pdf", "non-latin/install.ja.pdf", "non-latin/install.ko.pdf", "non-latin/refcard-zh_CN-a4.pdf", "non-latin/quran-doc.pdf", "non-latin/ArabicCIDTrueType.pdf", "non-latin/install.ru.pdf"]) {
      const t = await text(file, 12);
      // Page-sized pieces, as records would be.
      for (const piece of t.split("\n\n").filter((p) => p.trim())) {
        const e = est.count(piece);
        for (const c of exact) expect(e, `${file} ${c.name}: ${piece.slice(0, 40)}`).toBeGreaterThanOrEqual(c.count(piece));
      }
    }
  });

  it("output is the same for --jobs 1 and --jobs 2 on a real book", async () => {
    const f = join(PDF, "multi-column/mnras_guide.pdf");
    const a = await run(["pdf", f, "--jobs", "1"]);
    const b = await run(["pdf", f, "--jobs", "2"]);
    expect(a.stdout.length).toBeGreaterThan(10_000);
    expect(b.stdout).toBe(a.stdout);
  });

  it("outcomes count pages for the 352-page book", async () => {
    const outcomes: PdfOutcome[] = [];
    let pages = 0;
    for await (const p of readPdfPages([join(PDF, "long-books/freeculture.pdf")], { jobs: 2, onOutcome: (o) => outcomes.push(o) })) if (p.type === "page") pages++;
    expect(outcomes[0]).toMatchObject({ pages: 352, failedPages: 0 });
    expect(pages).toBeGreaterThan(340);
  });
});

import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AheadExtractor } from "../../src/pdf/ahead.js";
import { prose, writePdf } from "../helpers/pdf.js";
import { lines, run, tmp } from "../helpers/run.js";

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
};

async function docsIn(d: string, n: number, pages = 2): Promise<string[]> {
  const docs: string[] = [];
  for (let k = 0; k < n; k++) {
    const f = join(d, `doc${k}.pdf`);
    await writePdf(f, Array.from({ length: pages }, (_, p) => prose([`Document ${k} page ${p + 1} has ordinary text about pumps and valves.`])));
    docs.push(f);
  }
  return docs;
}

describe("pdf.js documents read ahead (-j > 1)", () => {
  it("reads the documents after the current one ahead, each whole, and holds no more text than its bound", async () => {
    const docs = await docsIn(tmp(), 6, 3);
    const ex = new AheadExtractor(2, { aheadChars: 1 });
    try {
      docs.forEach((p, k) => k > 0 && ex.prefetch(k, { path: p }));
      // Read ahead before the caller opens anything: pages of document 1 are held, and reading stopped at the bound.
      await until(() => ex.heldCharacters > 0);
      expect(ex.heldCharacters).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 300));
      const line = "Document 1 page 1 has ordinary text about pumps and valves.".length;
      // One page per thread in flight when the bound was reached (2 threads, 2 pages each at most).
      expect(ex.heldCharacters).toBeLessThanOrEqual(4 * line);
      // Document 0 was not told of: it is read by both threads; the others come from what was read ahead.
      for (const [k, p] of docs.entries()) {
        expect(await ex.open(k, { path: p })).toBe(3);
        for (let page = 1; page <= 3; page++) expect((await ex.page(k, page)).lines.map((l) => l.text)).toEqual([`Document ${k} page ${page} has ordinary text about pumps and valves.`]);
        await ex.close(k);
      }
      expect(ex.heldCharacters).toBe(0);
    } finally {
      await ex.end();
    }
  });

  it("a document closed before its pages are taken lets its held text go and is read no further; one over maxPages is not read", async () => {
    const docs = await docsIn(tmp(), 3, 40);
    const ex = new AheadExtractor(2);
    try {
      docs.forEach((p, k) => k > 0 && ex.prefetch(k, { path: p }));
      await until(() => ex.heldCharacters > 0);
      expect(await ex.open(0, { path: docs[0]! })).toBe(40);
      await ex.close(0);
      for (const k of [1, 2]) {
        expect(await ex.open(k, { path: docs[k]! })).toBe(40);
        expect((await ex.page(k, 1)).lines[0]!.text).toMatch(new RegExp(`^Document ${k} page 1 `));
        await ex.close(k);
      }
      expect(ex.heldCharacters).toBe(0);
      await new Promise((r) => setTimeout(r, 300));
      expect(ex.heldCharacters).toBe(0);
    } finally {
      await ex.end();
    }
    const capped = new AheadExtractor(2, { maxPages: 10 });
    try {
      capped.prefetch(1, { path: docs[1]! });
      await new Promise((r) => setTimeout(r, 500));
      expect(capped.heldCharacters).toBe(0);
      // The caller learns its page count and refuses it.
      expect(await capped.open(1, { path: docs[1]! })).toBe(40);
      await capped.close(1);
    } finally {
      await capped.end();
    }
  });

  it("output and findings are the same for -j 1, 2 and 3 over files that fail, are refused or have no text", async () => {
    const d = tmp();
    const docs = await docsIn(d, 7, 2);
    const long = join(d, "long.pdf");
    await writePdf(long, Array.from({ length: 6 }, (_, p) => prose([`The long document, page ${p + 1}, about pumps.`])));
    const broken = join(d, "broken.pdf");
    writeFileSync(broken, "%PDF-1.7\nthis is not a PDF body\n%%EOF\n");
    const { writeWrongCodePointsPdf, writeTextBomb } = await import("../helpers/pdf-bombs.js");
    const garbled = join(d, "garbled.pdf");
    writeWrongCodePointsPdf(garbled, [Array.from({ length: 20 }, (_, i) => `Introduction line ${i} about the pump and its valves`)]);
    const bomb = join(d, "bomb.pdf");
    writeTextBomb(bomb, 40);
    const locked = join(d, "locked.pdf");
    copyFileSync(join(import.meta.dirname, "../../fixtures/pdf/aes256-r5.pdf"), locked);
    const inputs = [docs[0]!, broken, docs[1]!, garbled, docs[2]!, long, docs[3]!, bomb, docs[4]!, locked, docs[5]!, docs[6]!];
    const args = (j: string) => ["pdf", ...inputs, "--engine", "pdfjs", "--max-pages", "5", "--max-stream-mb", "16", "-j", j, "--format", "text", "-o", "-"];
    const one = await run(args("1"));
    expect(one.code).toBe(1);
    const texts = (lines(one.stdout) as { text: string }[]).map((x) => x.text);
    expect(texts.filter((t) => t.startsWith("Document"))).toHaveLength(7);
    expect(texts.join("\n")).not.toContain("long document");
    expect(one.stderr).toMatch(/long\.pdf: pdf-limit: claims 6 pages, over the limit of 5/);
    expect(one.stderr).toMatch(/broken\.pdf: pdf: /);
    expect(one.stderr).toMatch(/garbled\.pdf page 1: garbled-text/);
    expect(one.stderr).toMatch(/bomb\.pdf: pdf-limit: /);
    expect(one.stderr).toMatch(/locked\.pdf: pdf-password: /);
    for (const j of ["2", "3"]) {
      const many = await run(args(j));
      expect(many.stdout, `-j ${j}`).toBe(one.stdout);
      expect(many.stderr.replace(/ in [\d.]+ s/, ""), `-j ${j}`).toBe(one.stderr.replace(/ in [\d.]+ s/, ""));
    }
  });
});

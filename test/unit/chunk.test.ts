import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chunkPages, loadTokenCounter, type PdfPage } from "../../src/index.js";
import { lines, run, tmp } from "../helpers/run.js";

async function* pagesOf(texts: string[]): AsyncGenerator<PdfPage> {
  let page = 1;
  for (const text of texts) yield { type: "page", source: "doc", page: page++, text };
}

async function outputChars(texts: string[], o: { size: number; overlap: number; unit: "tokens" | "chars" }): Promise<number> {
  const counter = await loadTokenCounter("cl100k");
  let n = 0;
  for await (const c of chunkPages(pagesOf(texts), { ...o, maxTokens: 4096, counter })) if (c.type === "chunk") n += c.text.length;
  return n;
}

describe("chunking repetitive text writes each part once, plus the overlap", () => {
  const sentence = "The quick brown fox jumps over the lazy dog.";
  it("one sentence as 2,000 paragraphs, one page of a repeated sentence, one long line: output ≈ input × (1 + overlap)", async () => {
    const paragraphs = Array.from({ length: 2000 }, () => sentence).join("\n\n");
    const input = paragraphs.length;
    const out = await outputChars([paragraphs], { size: 200, overlap: 20, unit: "tokens" });
    expect(out / input).toBeGreaterThan(0.95);
    expect(out / input).toBeLessThan(1.2);
    // Pages of one repeated sentence each (a PDF of 300 identical pages).
    const pages = Array.from({ length: 300 }, () => Array.from({ length: 20 }, () => sentence).join(" "));
    const pin = pages.join("\n\n").length;
    const pout = await outputChars(pages, { size: 150, overlap: 15, unit: "tokens" });
    expect(pout / pin).toBeLessThan(1.2);
    // One line without paragraph breaks, cut by characters.
    const line = Array.from({ length: 5000 }, () => sentence).join(" ");
    const lout = await outputChars([line], { size: 3000, overlap: 300, unit: "chars" });
    expect(lout / line.length).toBeLessThan(1.2);
    expect(lout / line.length).toBeGreaterThan(0.95);
  });

  it("prep-data text same.txt: the records hold the file's text about once", async () => {
    const d = tmp();
    const same = join(d, "same.txt");
    writeFileSync(same, Array.from({ length: 2000 }, () => sentence).join("\n\n") + "\n");
    const out = join(d, "out.jsonl");
    const r = await run(["text", same, "--format", "text", "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    const chars = (lines(readFileSync(out, "utf8")) as { text: string }[]).reduce((a, x) => a + x.text.length, 0);
    const ratio = chars / readFileSync(same, "utf8").length;
    expect(ratio).toBeGreaterThan(0.95);
    expect(ratio).toBeLessThan(1.2);
  });
});

describe("text --metadata: the real line ranges", () => {
  it("each record's lines name the first and last line of the file it holds; findings name lines, not pages", async () => {
    const d = tmp();
    const md = join(d, "notes.md");
    const body = Array.from({ length: 600 }, (_, i) => `Line ${i + 1} says something ordinary about the topic at hand.`);
    writeFileSync(md, ["", "", ...body].join("\n") + "\n"); // two blank lines first: line numbers start at 3
    const out = join(d, "out.jsonl");
    const meta = join(d, "meta.jsonl");
    const r = await run(["text", md, "--format", "text", "--chunk-size", "60", "-o", out, "--metadata", meta]);
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(readFileSync(out, "utf8")) as { text: string }[];
    const metas = lines(readFileSync(meta, "utf8")) as { lines: [number, number] }[];
    expect(recs.length).toBeGreaterThan(20);
    recs.forEach((rec, i) => {
      const [a, b] = metas[i]!.lines;
      const first = Number(/^Line (\d+)/.exec(rec.text)?.[1]);
      const last = Number([...rec.text.matchAll(/Line (\d+)/g)].pop()?.[1]);
      // The chunk may start mid-line (the overlap is cut at a word): its first line is then the one before.
      expect(a).toBe(Number.isNaN(first) ? Number(/Line (\d+)/.exec(rec.text)![1]) + 2 - 1 : first + 2);
      expect(b).toBe(last + 2);
    });
    expect(metas[metas.length - 1]!.lines[1]).toBe(602);
    // A finding on a text file names its lines.
    const soup = join(d, "soup.txt");
    writeFileSync(soup, "Plain words first.\n\n" + Array.from({ length: 5 }, () => "+ +  %  !$ & ,  -./01 * ^^ ~~ ## @@ || <> {} [] ;; :: ==").join("\n") + "\n");
    const g = await run(["text", soup, "-o", join(d, "g.jsonl")]);
    expect(g.stderr).toMatch(/soup\.txt lines 1-7: garbled-text/);
    expect(g.stderr).not.toMatch(/page/);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prose, writePdf } from "../helpers/pdf.js";
import { lines, run, tmp } from "../helpers/run.js";

const SENTENCES = ["The pump must be primed before it starts.", "Replace the filter every twelve months.", "Check the seals for leaks after each service."];
const words = (t: string) => t.toLowerCase().match(/[a-z]{3,}/g) ?? [];

describe("OCR with nothing but npm packages: pages rendered by pdf.js on a canvas, read by tesseract.js", () => {
  it("--ocr always --ocr-renderer pdfjs --engine pdfjs reads a generated page back word for word, and says it was OCR'd", async () => {
    const d = tmp();
    const pdf = join(d, "manual.pdf");
    await writePdf(pdf, [prose(SENTENCES).map((r) => ({ ...r, size: 16 }))]);
    const r = await run(["pdf", pdf, "--engine", "pdfjs", "--ocr", "always", "--ocr-renderer", "pdfjs", "--ocr-jobs", "1", "--metadata", join(d, "m.jsonl"), "-o", join(d, "out.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const text = (lines(readFileSync(join(d, "out.jsonl"), "utf8")) as { input: string }[]).map((x) => x.input).join("\n");
    expect(words(text)).toEqual(words(SENTENCES.join(" ")));
    expect((lines(readFileSync(join(d, "m.jsonl"), "utf8")) as { ocr?: boolean }[]).every((m) => m.ocr === true)).toBe(true);
    expect(r.stderr).toMatch(/1 read by OCR/);
  }, 120_000);
});

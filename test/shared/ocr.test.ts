import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines, run, tmp } from "../helpers/run.js";
import { HAVE_SHARED, SHARED } from "./shared.js";

const HAVE_PDFTOPPM = !spawnSync("pdftoppm", ["-v"]).error;
if (HAVE_SHARED && !HAVE_PDFTOPPM) console.warn("\n*** SKIPPING the OCR tests: pdftoppm not found (apt-get install poppler-utils) ***\n");

const words = (t: string) => t.toLowerCase().match(/[a-z]{3,}/g) ?? [];
const texts = (p: string) => (lines(readFileSync(p, "utf8")) as { input: string }[]).map((r) => r.input).join("\n");

describe.skipIf(!HAVE_SHARED || !HAVE_PDFTOPPM)("pdf --ocr on the shared corpus (tesseract.js, pages rendered by pdftoppm)", () => {
  it("--ocr always on born-digital English pages finds the words their text layer has (recall ≥ 0.95)", async () => {
    const d = tmp();
    const pdf = join(SHARED, "corpus/pdf/encrypted/pdftools-owner-only.pdf"); // 4 pages of English prose
    expect((await run(["pdf", pdf, "-q", "-o", join(d, "layer.jsonl")])).code).toBe(0);
    const r = await run(["pdf", pdf, "--ocr", "always", "--metadata", join(d, "m.jsonl"), "-o", join(d, "ocr.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const got = new Set(words(texts(join(d, "ocr.jsonl"))));
    const ref = words(texts(join(d, "layer.jsonl")));
    const recall = ref.filter((w) => got.has(w)).length / ref.length;
    expect(ref.length).toBeGreaterThan(400);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect((lines(readFileSync(join(d, "m.jsonl"), "utf8")) as { ocr?: boolean }[]).every((m) => m.ocr === true)).toBe(true);
  }, 300_000);

  it("--ocr auto: text drawn as outlines gives records marked ocr: true; photo scans are refused page by page with their confidence; nothing is silent", async () => {
    const d = tmp();
    const outlined = join(SHARED, "corpus/pdf/tables/css-colors-vector-text.pdf");
    const before = await run(["pdf", outlined, "-o", join(d, "none.jsonl")]);
    expect(before.code).toBe(3); // no text layer: nothing without OCR
    const r = await run(["pdf", outlined, "--ocr", "auto", "--metadata", join(d, "m.jsonl"), "-o", join(d, "o.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/page 1: ocr: page 1: no text layer; read by OCR/);
    const text = texts(join(d, "o.jsonl"));
    for (const colour of ["pink", "lightpink", "hotpink"]) expect(words(text)).toContain(colour);
    expect((lines(readFileSync(join(d, "m.jsonl"), "utf8")) as { ocr?: boolean }[]).every((m) => m.ocr === true)).toBe(true);
    const photos = await run(["pdf", join(SHARED, "corpus/pdf/scanned/issue5481-jpx-images.pdf"), "--ocr", "auto", "-o", join(d, "p.jsonl")]);
    expect(photos.code).toBe(3);
    for (const p of [1, 2, 3]) expect(photos.stderr).toMatch(new RegExp(`page ${p}: ocr-confidence: page ${p}: OCR confidence \\d+ is under --ocr-min-confidence 60`));
    // Empty form pages (rules and boxes, no text layer): OCR reads only marks there; each page is said, none refused.
    const blank = await run(["pdf", join(SHARED, "corpus/pdf/odd/live-manual-mostly-blank.pdf"), "--ocr", "auto", "--rejects", join(d, "b-rej.jsonl"), "-o", join(d, "b.jsonl")]);
    expect(blank.code, blank.stderr).toBe(0);
    expect(blank.stderr).toMatch(/warnings: no-text-layer 42/);
    expect(blank.stderr).not.toMatch(/ocr-confidence/);
    // A damaged page pdftoppm gives up on is rendered by pdf.js instead: it is said to hold no words, not "could not be rendered".
    const damaged = await run(["pdf", join(SHARED, "corpus/pdf/damaged/poppler-85140-0.pdf"), "--ocr", "auto", "-o", join(d, "dm.jsonl")]);
    expect(damaged.stderr).toContain("page 1: no text layer, and OCR found no words on it");
    expect(damaged.stderr).not.toMatch(/could not be rendered/);
    const lang = await run(["pdf", outlined, "--ocr", "auto", "--ocr-lang", "eng+klingon", "-o", join(d, "k.jsonl")]);
    expect(lang.code).toBe(2);
    expect(lang.stderr).toContain("npm install @tesseract.js-data/klingon");
  }, 300_000);
});

import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { lines, run, tmp } from "../helpers/run.js";
import { HAVE_SHARED, SHARED } from "./shared.js";

const HAVE_POPPLER = !spawnSync("pdftoppm", ["-v"]).error && !spawnSync("pdftotext", ["-v"]).error;
if (HAVE_SHARED && !HAVE_POPPLER) console.warn("\n*** SKIPPING the OCR image tests: pdftoppm/pdftotext not found (apt-get install poppler-utils) ***\n");

const words = (t: string) => t.toLowerCase().match(/[a-z]{3,}/g) ?? [];
const texts = (p: string) => (lines(readFileSync(p, "utf8")) as { input: string }[]).map((r) => r.input).join("\n");
const recall = (ref: string[], got: Set<string>) => ref.filter((w) => got.has(w)).length / ref.length;
const PROSE = () => join(SHARED, "corpus/pdf/encrypted/pdftools-owner-only.pdf"); // 4 born-digital pages of English prose

/** Pages rendered by pdftoppm at 300 dpi, grey, in `fmt` (png, jpeg, tiff, or pgm when none): the files, in page order. */
function render(pdf: string, dir: string, prefix: string, fmt: "png" | "jpeg" | "tiff" | "pgm", first = 1, last = 4): string[] {
  execFileSync("pdftoppm", ["-r", "300", "-gray", ...(fmt === "pgm" ? [] : [`-${fmt}`]), "-f", String(first), "-l", String(last), pdf, join(dir, prefix)]);
  return readdirSync(dir).filter((f) => f.startsWith(`${prefix}-`)).sort().map((f) => join(dir, f));
}

/** A baseline TIFF (uncompressed, 8-bit grey, one strip a page) holding the given PGM pages: a multi-page scan. */
function multiPageTiff(pgms: string[]): Buffer {
  const pages = pgms.map((p) => {
    const b = readFileSync(p);
    const m = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(b.subarray(0, 64).toString("latin1"))!;
    return { w: Number(m[1]), h: Number(m[2]), data: b.subarray(m[0].length) };
  });
  const tags = 9;
  const ifdSize = 2 + tags * 12 + 4;
  const parts: Buffer[] = [];
  let at = 8 + pages.length * ifdSize; // IFDs first, then the pixels
  const header = Buffer.alloc(8);
  header.write("II", 0, "latin1");
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(8, 4);
  parts.push(header);
  pages.forEach((p, i) => {
    const ifd = Buffer.alloc(ifdSize);
    ifd.writeUInt16LE(tags, 0);
    const entries: [number, number, number][] = [[256, 4, p.w], [257, 4, p.h], [258, 3, 8], [259, 3, 1], [262, 3, 1], [273, 4, at], [277, 3, 1], [278, 4, p.h], [279, 4, p.data.length]];
    entries.forEach(([tag, type, value], k) => {
      const o = 2 + k * 12;
      ifd.writeUInt16LE(tag, o);
      ifd.writeUInt16LE(type, o + 2);
      ifd.writeUInt32LE(1, o + 4);
      if (type === 3) ifd.writeUInt16LE(value, o + 8);
      else ifd.writeUInt32LE(value, o + 8);
    });
    ifd.writeUInt32LE(i + 1 < pages.length ? 8 + (i + 1) * ifdSize : 0, 2 + tags * 12);
    parts.push(ifd);
    at += p.data.length;
  });
  for (const p of pages) parts.push(p.data);
  return Buffer.concat(parts);
}

describe.skipIf(!HAVE_SHARED || !HAVE_POPPLER)("OCR of pages with no text layer: image-only PDFs and page images (tesseract.js)", () => {
  it("born-digital pages rendered to images and wrapped in an image-only PDF: pdf --ocr auto reads every page (word recall ≥ 0.95 against the text layer)", async () => {
    const d = tmp();
    const pngs = render(PROSE(), d, "p", "png");
    expect(pngs).toHaveLength(4);
    const doc = await PDFDocument.create();
    for (const f of pngs) {
      const img = await doc.embedPng(readFileSync(f));
      const page = doc.addPage([(img.width * 72) / 300, (img.height * 72) / 300]);
      page.drawImage(img, { x: 0, y: 0, width: page.getWidth(), height: page.getHeight() });
    }
    const scan = join(d, "scan.pdf");
    writeFileSync(scan, await doc.save());
    expect(execFileSync("pdftotext", [scan, "-"]).toString().trim()).toBe(""); // no text layer at all
    expect((await run(["pdf", scan, "-o", join(d, "none.jsonl")])).code).toBe(3);
    const r = await run(["pdf", scan, "--ocr", "auto", "--metadata", join(d, "m.jsonl"), "-o", join(d, "ocr.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    for (const p of [1, 2, 3, 4]) expect(r.stderr).toContain(`page ${p}: no text layer; read by OCR`);
    expect((lines(readFileSync(join(d, "m.jsonl"), "utf8")) as { ocr?: boolean }[]).every((m) => m.ocr === true)).toBe(true);
    expect((await run(["pdf", PROSE(), "-q", "-o", join(d, "layer.jsonl")])).code).toBe(0);
    const got = new Set(words(texts(join(d, "ocr.jsonl"))));
    const layer = words(texts(join(d, "layer.jsonl")));
    const raw = words(execFileSync("pdftotext", [PROSE(), "-"]).toString());
    console.log(`image-only PDF OCR word recall: ${recall(layer, got).toFixed(3)} of prep-data's text-layer words, ${recall(raw, got).toFixed(3)} of raw pdftotext's (running headers included)`);
    expect(layer.length).toBeGreaterThan(400);
    expect(recall(layer, got)).toBeGreaterThanOrEqual(0.95);
    // Pages are OCR'd by several workers at once; the records are the same, in the same order, with one.
    const one = await run(["pdf", scan, "--ocr", "auto", "--ocr-jobs", "1", "-q", "-o", join(d, "one.jsonl")]);
    expect(one.code).toBe(0);
    const two = await run(["pdf", scan, "--ocr", "auto", "--ocr-jobs", "3", "-q", "-o", join(d, "three.jsonl")]);
    expect(two.code).toBe(0);
    expect(readFileSync(join(d, "one.jsonl"), "utf8")).toBe(readFileSync(join(d, "ocr.jsonl"), "utf8"));
    expect(readFileSync(join(d, "three.jsonl"), "utf8")).toBe(readFileSync(join(d, "ocr.jsonl"), "utf8"));
    // Rendered by pdf.js on a canvas instead of pdftoppm (where poppler is not installed): the same words come back.
    const viaPdfjs = await run(["pdf", scan, "--ocr", "auto", "--ocr-renderer", "pdfjs", "--engine", "pdfjs", "-q", "-o", join(d, "pdfjs.jsonl")]);
    expect(viaPdfjs.code, viaPdfjs.stderr).toBe(0);
    const pdfjsRecall = recall(layer, new Set(words(texts(join(d, "pdfjs.jsonl")))));
    console.log(`rendered by pdf.js: word recall ${pdfjsRecall.toFixed(3)}`);
    expect(pdfjsRecall).toBeGreaterThanOrEqual(0.95);
  }, 300_000);

  it("page images are inputs with --ocr: PNG, JPEG, a TIFF and a multi-page TIFF page by page; a fake, an oversized and an un-asked-for image are refused with the reason", async () => {
    const d = tmp();
    const scans = join(d, "scans");
    execFileSync("mkdir", [scans]);
    const png = render(PROSE(), d, "a", "png", 1, 1)[0]!;
    const jpg = render(PROSE(), d, "b", "jpeg", 2, 2)[0]!;
    const tif = render(PROSE(), d, "c", "tiff", 3, 3)[0]!;
    const pgms = render(PROSE(), d, "e", "pgm", 3, 4);
    writeFileSync(join(scans, "one.png"), readFileSync(png));
    writeFileSync(join(scans, "two.jpg"), readFileSync(jpg));
    writeFileSync(join(scans, "three.tif"), readFileSync(tif));
    writeFileSync(join(scans, "both.tiff"), multiPageTiff(pgms));
    writeFileSync(join(scans, "fake.png"), "not an image at all\n");
    // A PNG header that claims 20,000 × 20,000 pixels: refused from its header, never decoded.
    const big = Buffer.from(readFileSync(png));
    big.writeUInt32BE(20_000, 16);
    big.writeUInt32BE(20_000, 20);
    writeFileSync(join(scans, "huge.png"), big);
    writeFileSync(join(scans, "notes.md"), "# Notes\n\nTyped notes beside the scans.\n");

    const r = await run(["text", scans, "--ocr", "auto", "--metadata", join(d, "m.jsonl"), "--rejects", join(d, "rej.jsonl"), "-o", join(d, "out.jsonl")]);
    expect(r.code, r.stderr).toBe(1); // records written, two files refused
    const meta = lines(readFileSync(join(d, "m.jsonl"), "utf8")) as { source: string; pages?: [number, number]; ocr?: boolean }[];
    const recs = (lines(readFileSync(join(d, "out.jsonl"), "utf8")) as { input: string }[]).map((x) => x.input);
    const of = (name: string) => recs.filter((_, i) => meta[i]!.source.endsWith(name)).join("\n");
    const pageWords = (p: number) => words(execFileSync("pdftotext", ["-f", String(p), "-l", String(p), PROSE(), "-"]).toString());
    const score = (name: string, ...pages: number[]) => recall(pages.flatMap(pageWords), new Set(words(of(name))));
    for (const [name, pages] of [["one.png", [1]], ["two.jpg", [2]], ["three.tif", [3]], ["both.tiff", [3, 4]]] as const) expect(score(name, ...pages), name).toBeGreaterThanOrEqual(0.9);
    // The multi-page TIFF's records name both of its pages; every image record says ocr: true; the Markdown does not.
    expect(meta.filter((m) => m.source.endsWith("both.tiff")).flatMap((m) => m.pages!)).toEqual(expect.arrayContaining([1, 2]));
    expect(meta.filter((m) => !m.source.endsWith(".md")).every((m) => m.ocr === true)).toBe(true);
    expect(meta.find((m) => m.source.endsWith("notes.md"))!.ocr).toBeUndefined();
    const rej = lines(readFileSync(join(d, "rej.jsonl"), "utf8")) as { source: string; reason: string; message: string }[];
    expect(rej.map((x) => [x.source.split("/").pop(), x.reason]).sort()).toEqual([["fake.png", "image"], ["huge.png", "image"]]);
    expect(rej.find((x) => x.source.endsWith("huge.png"))!.message).toMatch(/20,000 × 20,000 pixels is over 100,000,000/);

    // Without --ocr a folder's images are not inputs (said), and an image named on its own is refused with the option to add.
    const plain = await run(["text", join(scans, "one.png"), "-o", join(d, "p.jsonl")]);
    expect(plain.code).toBe(3);
    expect(plain.stderr).toContain("a page image is read by OCR: add --ocr auto");
    const pdfCmd = await run(["pdf", scans, "--ocr", "auto", "-q", "-o", join(d, "pdfcmd.jsonl")]);
    expect(pdfCmd.code).toBe(1);
    expect(texts(join(d, "pdfcmd.jsonl"))).toBe(recs.filter((_, i) => !meta[i]!.source.endsWith(".md")).join("\n"));
  }, 300_000);
});

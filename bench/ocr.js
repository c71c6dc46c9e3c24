// npm run bench -- ocr: pages per second per core of `prep-data text --ocr auto` on 20 page images (born-digital
// pages rendered at 300 dpi by pdftoppm), against Debian's `tesseract` command line on the same images, one page at a
// time on one thread (OMP_THREAD_LIMIT=1), as a ratio; the two outputs' words compared.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const has = (cmd) => run("sh", ["-c", `command -v ${cmd}`]).then(() => true, () => false);
const words = (t) => t.toLowerCase().match(/[a-z]{3,}/g) ?? [];

export async function benchOcr({ root, shared }) {
  const book = join(shared, "corpus/pdf/long-books/freeculture.pdf");
  console.log("OCR: 20 pages of long-books/freeculture.pdf (pages 20-39) rendered at 300 dpi, grey PNG → text --ocr auto (whole process, start-up and worker start included)");
  if (!(await has("pdftoppm"))) {
    console.log("  SKIPPED: pdftoppm not installed (apt-get install poppler-utils)");
    return;
  }
  const work = mkdtempSync(join(tmpdir(), "prep-data-bench-ocr-"));
  try {
    const pages = join(work, "pages");
    mkdirSync(pages);
    await run("pdftoppm", ["-r", "300", "-gray", "-png", "-f", "20", "-l", "39", book, join(pages, "p")]);
    const images = readdirSync(pages).sort().map((f) => join(pages, f));
    const cli = async (args) => JSON.parse((await run(process.execPath, [join(root, "bench/cli-child.js"), ...args], { maxBuffer: 1 << 24 })).stderr.trim().split("\n").pop());
    const r = await cli(["text", pages, "--ocr", "auto", "--format", "text", "-q", "-o", join(work, "ocr.jsonl")]);
    const cpu = r.cpuSeconds ?? r.seconds;
    console.log(`  prep-data: ${r.seconds.toFixed(1)} s = ${(images.length / r.seconds).toFixed(2)} pages/s; CPU ${cpu.toFixed(1)} s = ${(images.length / cpu).toFixed(2)} pages per CPU-second; peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB; exit ${r.code}`);
    const ours = readFileSync(join(work, "ocr.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).text).join("\n");
    if (!(await has("tesseract"))) {
      console.log("  tesseract: not installed (apt-get install tesseract-ocr) — no reference ratio");
      return;
    }
    const t0 = performance.now();
    let theirs = "";
    for (const img of images) theirs += (await run("tesseract", [img, "-", "-l", "eng"], { env: { ...process.env, OMP_THREAD_LIMIT: "1" }, maxBuffer: 1 << 24 })).stdout + "\n";
    const ref = (performance.now() - t0) / 1000;
    const got = new Set(words(ours));
    const refWords = words(theirs);
    const recall = refWords.filter((w) => got.has(w)).length / refWords.length;
    const version = (await run("tesseract", ["--version"])).stdout.split("\n")[0];
    console.log(`  ${version} (command line, OMP_THREAD_LIMIT=1, one page at a time): ${ref.toFixed(1)} s = ${(images.length / ref).toFixed(2)} pages/s`);
    console.log(`  → prep-data takes ${(r.seconds / ref).toFixed(2)}× tesseract's time; per core ${(images.length / cpu).toFixed(2)} against ${(images.length / ref).toFixed(2)} pages a second = ${(images.length / cpu / (images.length / ref)).toFixed(2)}× tesseract's speed per core; ${(recall * 100).toFixed(1)} % of tesseract's words are in prep-data's output`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

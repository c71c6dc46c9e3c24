import { Option, type Command } from "commander";
import { intArg } from "./options.js";

/** The OCR options `pdf`, `text` and `synth` share. */
export interface OcrCliOpts {
  ocr: "never" | "auto" | "always";
  ocrLang: string;
  ocrMinConfidence: number;
  ocrJobs?: number;
  ocrRenderer: "auto" | "poppler" | "pdfjs";
}

export function addOcrOptions(cmd: Command, modeHelp: string): Command {
  return cmd
    .addOption(new Option("--ocr <mode>", modeHelp).choices(["never", "auto", "always"]).default("never"))
    .option("--ocr-lang <langs>", "OCR languages, e.g. eng or eng+deu (each from its npm package @tesseract.js-data/LANG)", "eng")
    .option("--ocr-min-confidence <n>", "refuse an OCR'd page whose mean word confidence (0-100) is under this", intArg("--ocr-min-confidence", 0), 60)
    .addOption(new Option("--ocr-renderer <name>", "what renders PDF pages for OCR: poppler's pdftoppm, or pdf.js on a canvas (@napi-rs/canvas); auto: pdftoppm when it is on PATH").choices(["auto", "poppler", "pdfjs"]).default("auto"))
    .option("--ocr-jobs <n>", "OCR workers, each a thread of ~100-150 MB (default: one per core, at most 4; made only when pages wait)", intArg("--ocr-jobs", 1));
}

/**
 * The run's OCR settings, or undefined with --ocr never; the pages read by OCR are remembered (source and page) so
 * --metadata can say `ocr: true`. A missing language package is a usage error here, before any work.
 */
export async function ocrOf(o: OcrCliOpts) {
  if (o.ocr === "never") return undefined;
  const read = new Set<string>();
  const workers = o.ocrJobs ?? Math.min(4, (await import("node:os")).availableParallelism());
  const engine = (await import("../ocr/ocr.js")).ocrEngine(o.ocrLang, { workers, renderer: o.ocrRenderer });
  return {
    mode: o.ocr,
    engine,
    workers,
    minConfidence: o.ocrMinConfidence,
    onPage: (source: string, page: number) => void read.add(`${source}\u0000${page}`),
    /** Whether any page in `pages` of `source` was read by OCR. */
    read(source: string, pages?: [number, number]): boolean {
      if (!pages || read.size === 0) return false;
      for (let p = pages[0]; p <= pages[1]; p++) if (read.has(`${source}\u0000${p}`)) return true;
      return false;
    },
  };
}

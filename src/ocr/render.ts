import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrepError } from "../record.js";
import { greyPgm, MAX_IMAGE_PIXELS } from "./pixels.js";

/**
 * PDF pages as images for OCR, grey at a DPI chosen for OCR (300, the resolution Tesseract's documentation asks
 * for): by poppler's `pdftoppm` when it is on PATH (it renders what poppler's text engine reads), else by pdf.js
 * on a canvas (@napi-rs/canvas, prebuilt, installed with pdfjs-dist), so OCR works where poppler is not installed.
 */
export type RendererName = "auto" | "poppler" | "pdfjs";

export interface PageRenderer {
  readonly name: "poppler" | "pdfjs";
  /** An encoded grey image of the page (PNG from pdftoppm, PGM from pdf.js). */
  render(pdf: string, page: number, dpi: number, password: string | undefined, timeoutMs: number): Promise<Buffer>;
  end(): Promise<void>;
}

export function pageRenderer(name: RendererName): PageRenderer {
  if (name === "poppler") return poppler();
  if (name === "pdfjs") return pdfjs();
  // pdftoppm when it is on PATH; a page it cannot render (a damaged file poppler gives up on) is tried with pdf.js.
  let chosen: PageRenderer | undefined;
  let fallback: PageRenderer | undefined;
  const pick = async () => (chosen ??= (await import("../pdf/poppler.js")).findOnPath("pdftoppm") ? poppler() : pdfjs());
  return {
    get name() {
      return chosen?.name ?? "poppler";
    },
    async render(...a) {
      const first = await pick();
      try {
        return await first.render(...a);
      } catch (e) {
        if (first.name !== "poppler") throw e;
        try {
          return await (fallback ??= pdfjs()).render(...a);
        } catch (e2) {
          throw new Error(`${(e as Error).message}; pdf.js could not render it either (${(e2 as Error).message})`);
        }
      }
    },
    end: async () => {
      await chosen?.end();
      await fallback?.end();
    },
  };
}

/** poppler's pdftoppm into a temp folder read back and removed (bounded in time). */
function poppler(): PageRenderer {
  return {
    name: "poppler",
    async render(pdf, page, dpi, password, timeoutMs) {
      const dir = await mkdtemp(join(tmpdir(), "prep-data-ocr-"));
      try {
        await new Promise<void>((resolve, reject) => {
          execFile("pdftoppm", ["-r", String(dpi), "-gray", "-png", "-f", String(page), "-l", String(page), "-singlefile", ...(password ? ["-upw", password] : []), pdf, join(dir, "page")], { timeout: timeoutMs }, (e) => {
            if (e) reject(new Error(`the page could not be rendered for OCR (${(e as NodeJS.ErrnoException).code === "ENOENT" ? "poppler's pdftoppm is not installed: apt-get install poppler-utils, or --ocr-renderer pdfjs" : e.message.split("\n")[0]})`));
            else resolve();
          });
        });
        return await readFile(join(dir, "page.png"));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async end() {},
  };
}

/**
 * pdf.js on a @napi-rs/canvas canvas: the document opened once and kept while its pages are rendered (a run OCRs
 * one document's pages in order), closed when the next document comes or the run ends. A page too large for
 * `MAX_IMAGE_PIXELS` at `dpi` is rendered at the DPI that fits.
 */
function pdfjs(): PageRenderer {
  let open: { path: string; doc: Promise<import("../pdf/document.js").OpenedPdf> } | undefined;
  const close = async () => {
    const o = open;
    open = undefined;
    if (o) await (await o.doc.catch(() => undefined))?.close();
  };
  return {
    name: "pdfjs",
    async render(pdf, page, dpi, password, timeoutMs) {
      let canvasModule: typeof import("@napi-rs/canvas");
      try {
        canvasModule = await import("@napi-rs/canvas");
      } catch {
        throw new PrepError("OCR needs page images: install poppler's pdftoppm (apt-get install poppler-utils) or @napi-rs/canvas (npm install @napi-rs/canvas)", 2);
      }
      if (open?.path !== pdf) {
        await close();
        const { openPdf } = await import("../pdf/document.js");
        open = { path: pdf, doc: openPdf({ path: pdf }, password ? [password] : []) };
      }
      const doc = (await open.doc).doc;
      const p = await doc.getPage(page);
      let timer: NodeJS.Timeout | undefined;
      try {
        const base = p.getViewport({ scale: 1 });
        const scale = Math.min(dpi / 72, Math.sqrt(MAX_IMAGE_PIXELS / Math.max(1, base.width * base.height)));
        const viewport = p.getViewport({ scale });
        const canvas = canvasModule.createCanvas(Math.max(1, Math.ceil(viewport.width)), Math.max(1, Math.ceil(viewport.height)));
        const ctx = canvas.getContext("2d");
        ctx.fillStyle = "#fff"; // a page is paper: what it does not paint is white, not transparent
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        // pdf.js's types name the DOM's canvas; @napi-rs/canvas implements the same 2D context.
        type RenderArgs = Parameters<typeof p.render>[0];
        const task = p.render({ canvasContext: ctx, viewport, canvas } as unknown as RenderArgs);
        await Promise.race([task.promise, new Promise<never>((_, reject) => (timer = setTimeout(() => (task.cancel(), reject(new Error(`the page could not be rendered for OCR in ${Math.round(timeoutMs / 1000)} s`))), timeoutMs)))]);
        const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        return greyPgm(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), canvas.width, canvas.height);
      } finally {
        clearTimeout(timer);
        p.cleanup();
      }
    },
    end: close,
  };
}

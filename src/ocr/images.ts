import { readFile, stat } from "node:fs/promises";
import { assemblePage, type PdfPage } from "../pdf/pages.js";
import { finding, type Finding } from "../record.js";
import { isImage } from "./kind.js";
import { greyPgm, MAX_IMAGE_PIXELS } from "./pixels.js";
import { ocrFoundWords, ocrTextLines, type OcrEngine } from "./ocr.js";

/**
 * Page images (scans, photos of pages, faxes) as text through OCR: PNG, JPEG and TIFF, a multi-page TIFF page by page.
 * The format and size are read from the header first (image-size; utif for a TIFF's pages), and an image too large to
 * OCR in bounded memory is refused before it is decoded. Each page is a block for the chunker, numbered by page.
 */
export { IMAGE_GLOB, isImage } from "./kind.js";

export { MAX_IMAGE_PIXELS } from "./pixels.js";
/** Bytes per image file at most (it is read whole). */
export const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

export interface ImageOcrOptions {
  engine: OcrEngine;
  minConfidence: number;
  /** Called for each page read, with its confidence. */
  onPage?: (source: string, page: number, confidence: number) => void;
}

const tooLarge = (w: number, h: number) => `${w.toLocaleString("en-US")} × ${h.toLocaleString("en-US")} pixels is over ${MAX_IMAGE_PIXELS.toLocaleString("en-US")}: scale it to 300 dpi (a page is then about 2,500 × 3,500) and run again`;

/** An image file's pages as text, or findings that say why a page (or the file) gives none. Never throws for a bad file. */
export async function* imagePages(path: string, o: ImageOcrOptions): AsyncGenerator<PdfPage | Finding> {
  const size = (await stat(path)).size;
  if (size > MAX_IMAGE_BYTES) {
    yield finding("image", `${size.toLocaleString("en-US")} bytes is over ${MAX_IMAGE_BYTES.toLocaleString("en-US")} for one image`, { source: path });
    return;
  }
  const bytes = await readFile(path);
  let kind: string | undefined;
  let dims: { width: number; height: number } | undefined;
  try {
    const { imageSize } = await import("image-size");
    const d = imageSize(bytes);
    kind = d.type;
    dims = { width: d.width, height: d.height };
  } catch (e) {
    yield finding("image", `not a PNG, JPEG or TIFF image: its first bytes are no image header${/undefined/.test((e as Error).message) ? "" : ` (${(e as Error).message})`}`, { source: path });
    return;
  }
  if (!kind || !["png", "jpg", "tiff"].includes(kind)) {
    yield finding("image", `a ${kind ?? "unknown"} image: PNG, JPEG and TIFF are read`, { source: path });
    return;
  }
  // The encoded images to read: the file itself, or each page of a multi-page TIFF as grey PGM.
  const pages: (() => Buffer | Finding)[] = [];
  if (kind === "tiff") {
    const UTIF = (await import("utif")).default ?? (await import("utif"));
    let ifds: import("utif").Ifd[];
    try {
      ifds = UTIF.decode(bytes);
    } catch (e) {
      yield finding("image", `a broken TIFF (${(e as Error).message})`, { source: path });
      return;
    }
    const images = ifds.filter((d) => d.t256 && d.t257);
    images.forEach((ifd, i) => {
      const w = Number(ifd.t256![0]);
      const h = Number(ifd.t257![0]);
      const n = i + 1;
      if (w * h > MAX_IMAGE_PIXELS) pages.push(() => finding("image", `page ${n}: ${tooLarge(w, h)}`, { source: path, pages: [n, n] }));
      else if (images.length === 1) pages.push(() => bytes);
      else
        pages.push(() => {
          try {
            UTIF.decodeImage(bytes, ifd, ifds);
            const rgba = UTIF.toRGBA8(ifd);
            delete ifd.data; // the decoded page is not kept
            return greyPgm(rgba, w, h);
          } catch (e) {
            return finding("image", `page ${n} cannot be decoded (${(e as Error).message})`, { source: path, pages: [n, n] });
          }
        });
    });
    if (!pages.length) {
      yield finding("image", "a TIFF with no image in it", { source: path });
      return;
    }
  } else if (dims.width * dims.height > MAX_IMAGE_PIXELS) {
    yield finding("image", tooLarge(dims.width, dims.height), { source: path });
    return;
  } else pages.push(() => bytes);

  const compounds = new Set<string>();
  for (const [i, read] of pages.entries()) {
    const n = i + 1;
    const at = { source: path, pages: [n, n] as [number, number] };
    const image = read();
    if (!Buffer.isBuffer(image)) {
      yield image;
      continue;
    }
    try {
      const r = await o.engine.image(image, pages.length > 1 ? `${path} page ${n}` : path);
      if (!ocrFoundWords(r.text)) yield finding("no-text-layer", `${pages.length > 1 ? `page ${n}: ` : ""}OCR found no words in the image${r.text ? " (only marks: rules, boxes or specks)" : ""}`, at, "warning");
      else if (r.confidence < o.minConfidence) yield finding("ocr-confidence", `${pages.length > 1 ? `page ${n}: ` : ""}OCR confidence ${Math.round(r.confidence)} is under --ocr-min-confidence ${o.minConfidence}: the image is refused, not written`, at);
      else {
        o.onPage?.(path, n, r.confidence);
        yield { type: "page", source: path, page: n, text: assemblePage(ocrTextLines(r.text), compounds) };
      }
    } catch (e) {
      yield finding("ocr", `${pages.length > 1 ? `page ${n}: ` : ""}${(e as Error).message}`, at);
    }
  }
}

/**
 * A reader of the run's page images that keeps up to `ahead` of them in OCR at once (the engine's workers), so the
 * cores stay busy while the images are taken in order: reading one starts the next ones. Only the texts of the images
 * read ahead are held.
 */
export function imagesAhead(paths: string[], o: ImageOcrOptions, ahead: number): (path: string) => AsyncGenerator<PdfPage | Finding> {
  const list = paths.filter(isImage);
  const started = new Map<string, Promise<(PdfPage | Finding)[]>>();
  let next = 0;
  const collect = async (path: string) => {
    const out: (PdfPage | Finding)[] = [];
    try {
      for await (const x of imagePages(path, o)) out.push(x);
    } catch (e) {
      out.push(finding("file", (e as Error).message, { source: path }));
    }
    return out;
  };
  return async function* read(path: string) {
    const at = list.indexOf(path);
    while (next < list.length && next < at + Math.max(1, ahead)) {
      const p = list[next++]!;
      if (!started.has(p)) started.set(p, collect(p));
    }
    const items = await (started.get(path) ?? collect(path));
    started.delete(path);
    yield* items;
  };
}

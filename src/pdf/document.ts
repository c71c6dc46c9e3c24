import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { layoutLines, type PageLine, type TextItemLike } from "./lines.js";
import { cleanText } from "./clean.js";

type PdfJs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");
type PDFDocumentProxy = Awaited<ReturnType<PdfJs["getDocument"]>["promise"]>;

let pdfjs: Promise<PdfJs> | undefined;
const load = () => (pdfjs ??= import("pdfjs-dist/legacy/build/pdf.mjs"));

// The installed pdfjs-dist's CMaps and standard fonts: without them CJK text is silently lost.
const root = dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
const CMAPS = join(root, "cmaps") + "/";
const FONTS = join(root, "standard_fonts") + "/";

/** Why a PDF could not be opened, in words a user can act on. */
export class PdfOpenError extends Error {
  constructor(
    message: string,
    readonly kind: "password" | "wrong-password" | "invalid" | "unreadable",
  ) {
    super(message);
  }
}

export interface OpenedPdf {
  doc: PDFDocumentProxy;
  numPages: number;
  close(): Promise<void>;
}

/** Open a PDF from a path or bytes (`password` for encrypted files). */
export async function openPdf(src: { path?: string; data?: Uint8Array }, password?: string): Promise<OpenedPdf> {
  const { getDocument } = await load();
  let data: Uint8Array;
  try {
    data = src.data ? new Uint8Array(src.data) : new Uint8Array(await readFile(src.path!));
  } catch (e) {
    throw new PdfOpenError((e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message, "unreadable");
  }
  const task = getDocument({ data, password, cMapUrl: CMAPS, cMapPacked: true, standardFontDataUrl: FONTS, verbosity: 0, isEvalSupported: false, stopAtErrors: false });
  try {
    const doc = await task.promise;
    return { doc, numPages: doc.numPages, close: () => task.destroy() };
  } catch (e) {
    await task.destroy().catch(() => undefined);
    const err = e as { name?: string; code?: number; message?: string };
    if (err.name === "PasswordException") {
      throw err.code === 2
        ? new PdfOpenError(password ? "wrong password" : "needs a password (--password)", "wrong-password")
        : new PdfOpenError("needs a password (--password)", "password");
    }
    if (err.name === "InvalidPDFException") throw new PdfOpenError(`not a valid PDF: ${err.message}`, "invalid");
    throw new PdfOpenError(`cannot be read: ${err.message ?? String(e)}`, "unreadable");
  }
}

/** The text lines of one page (1-based), cleaned. */
export async function pageLines(pdf: OpenedPdf, pageNo: number): Promise<PageLine[]> {
  const page = await pdf.doc.getPage(pageNo);
  try {
    const content = await page.getTextContent();
    const lines = layoutLines(content.items.filter((i): i is TextItemLike & (typeof content.items)[number] => "str" in i));
    return lines.map((l) => ({ ...l, text: cleanText(l.text).trim() })).filter((l) => l.text !== "");
  } finally {
    page.cleanup();
  }
}

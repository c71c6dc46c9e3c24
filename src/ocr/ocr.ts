import { createRequire } from "node:module";
import type { PageLine } from "../pdf/lines.js";
import { pageRenderer, type RendererName } from "./render.js";
export type { RendererName } from "./render.js";
import { PrepError } from "../record.js";

/**
 * OCR of PDF pages: each page rendered (render.ts: poppler's `pdftoppm`, else pdf.js on a canvas; grey, 300 dpi, the
 * resolution Tesseract's documentation asks for) and read by tesseract.js (Tesseract compiled to WebAssembly). The language data comes from
 * npm packages (`@tesseract.js-data/eng`, …), so nothing is downloaded at run time. Workers are made when pages
 * wait for them: OCR is the slow path and costs nothing for documents whose pages have text.
 */
export interface OcrPage {
  text: string;
  /** Tesseract's mean word confidence, 0–100. */
  confidence: number;
}

export interface OcrEngine {
  readonly languages: string;
  /** A PDF page, rendered first. */
  page(pdf: string, page: number, password?: string): Promise<OcrPage>;
  /** An encoded image (PNG, JPEG, TIFF, PGM); `what` names it in a timeout message. */
  image(image: Buffer, what: string): Promise<OcrPage>;
  end(): Promise<void>;
}

/**
 * Whether OCR found words: a run of three letters or digits somewhere. Tesseract reads the rules and boxes of an
 * empty form as marks (`]`, `|`, `ee`) with low confidence; such a page has no text, it is not a page of bad text.
 */
export const ocrFoundWords = (text: string) => /[\p{L}\p{N}]{3,}/u.test(text);

/** OCR text as lines for the page assembler: a blank line starts a paragraph (Tesseract's block breaks). */
export function ocrTextLines(text: string): PageLine[] {
  let blank = true;
  const lines: PageLine[] = [];
  text.split("\n").forEach((t, i) => {
    if (!t.trim()) blank = true;
    else {
      lines.push({ text: t.trim(), y: -i, size: 10, paragraph: blank && lines.length > 0 });
      blank = false;
    }
  });
  return lines;
}

const require_ = createRequire(import.meta.url);

/** Where a language's data package is, or a usage error naming the package to install. */
function languagePath(lang: string): string {
  try {
    return (require_(`@tesseract.js-data/${lang}`) as { langPath: string }).langPath;
  } catch {
    throw new PrepError(`OCR language "${lang}" is not installed: npm install @tesseract.js-data/${lang} (language data comes from npm packages; nothing is downloaded at run time)`, 2);
  }
}

/**
 * An OCR engine for `languages` (`eng`, `eng+deu`): every language's data package must be installed. Up to `workers`
 * tesseract.js workers (each a thread with its own WebAssembly heap, ~100–150 MB at 300 dpi), made only when pages
 * wait for one: a run with one OCR page starts one. A page over its time is abandoned with its worker (terminated,
 * so it frees its thread and memory), never left running behind the next page.
 */
export function ocrEngine(languages = "eng", o: { dpi?: number; pageTimeoutMs?: number; workers?: number; renderer?: RendererName } = {}): OcrEngine {
  const renderer = pageRenderer(o.renderer ?? "auto");
  const langs = languages.split("+").filter(Boolean);
  const paths = langs.map(languagePath); // a missing package is a usage error before any work
  if (new Set(paths).size > 1) throw new PrepError(`--ocr-lang ${languages}: the languages' data packages are in different folders; OCR them in separate runs`, 2);
  type Worker = import("tesseract.js").Worker;
  const most = Math.max(1, o.workers ?? 1);
  const idle: Worker[] = [];
  const waiting: ((w: Worker) => void)[] = [];
  const all = new Set<Promise<Worker>>();
  let made = 0;
  const create = () => {
    made++;
    // cacheMethod none: the data is read from the package, never copied to a cache folder.
    const w = import("tesseract.js").then((t) => t.createWorker(langs, 1, { langPath: paths[0], gzip: true, cacheMethod: "none", errorHandler: () => undefined }));
    all.add(w);
    w.catch(() => {
      all.delete(w);
      made--;
    });
    return w;
  };
  const acquire = (): Promise<Worker> => {
    const w = idle.pop();
    if (w) return Promise.resolve(w);
    if (made < most) return create();
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (w: Worker) => {
    const next = waiting.shift();
    if (next) next(w);
    else idle.push(w);
  };
  const timeoutMs = o.pageTimeoutMs ?? 60_000;
  return {
    languages,
    async page(pdf, page, password) {
      return this.image(await renderer.render(pdf, page, o.dpi ?? 300, password, timeoutMs), "the page");
    },
    async image(image, what) {
      const w = await acquire();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`OCR of ${what} took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs)));
      let ok = false;
      try {
        const { data } = await Promise.race([w.recognize(image), timeout]);
        ok = true;
        return { text: data.text.replace(/[ \t]+\n/g, "\n").trim(), confidence: data.confidence };
      } finally {
        clearTimeout(timer);
        if (ok) release(w);
        else {
          // Timed out or failed: the worker may still be busy; it is ended and a fresh one made when needed.
          for (const p of all) if ((await p.catch(() => undefined)) === w) all.delete(p);
          made--;
          void w.terminate().catch(() => undefined);
          if (waiting.length && made < most) void create().then((x) => release(x), () => undefined);
        }
      }
    },
    async end() {
      await renderer.end();
      const ws = await Promise.all([...all].map((p) => p.catch(() => undefined)));
      await Promise.all(ws.map((w) => w?.terminate().catch(() => undefined)));
      all.clear();
      idle.length = 0;
      made = 0;
    },
  };
}

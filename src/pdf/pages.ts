import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { DEFAULT_MAX_STREAM_BYTES } from "./bounds.js";
import { bombCheck, type Bomb } from "./bomb.js";
import { garbledText } from "./garbled.js";
import { finding, type Finding } from "../record.js";
import { BoilerplateFilter, type PageLines } from "./boilerplate.js";
import { collectCompounds, joinHyphenated } from "./clean.js";
import { DEFAULT_PAGE_LIMITS, PageLimitError, PdfOpenError, type PageLimits } from "./document.js";
import type { PageLine } from "./lines.js";
import { AheadExtractor } from "./ahead.js";
import { InProcessExtractor, type ExtractedPage, type Extractor } from "./pool.js";
import { PopplerExtractor, resolveEngine, type PdfEngine } from "./poppler.js";

export const DEFAULT_MAX_PAGES = 100_000;

/** The text of one page, after layout, cleaning and boilerplate removal. */
export interface PdfPage {
  type: "page";
  source: string;
  page: number;
  text: string;
  /**
   * Where later numbered parts of a block start in `text` (a text file's lines, an HTML file's paragraphs): a
   * chunk's range then names the lines it holds, not only the block's first.
   */
  marks?: { at: number; n: number }[];
  /** Headings and tables of a structured text (Markdown, HTML, office documents), by offset into `text`. */
  structure?: Partial<import("../structure/markdown.js").Structure>;
}

/** How one file went: pages read, pages without text, pages that failed, or why the file failed. */
export interface PdfOutcome {
  source: string;
  pages: number;
  textPages: number;
  emptyPages: number;
  failedPages: number;
  /** Pages refused because their text is not language (broken font encodings). */
  garbledPages: number;
  boilerplateLines: number;
  /** Pages read by OCR (PdfOptions.ocr). */
  ocrPages?: number;
  error?: string;
}

export interface PdfOptions {
  /**
   * OCR (src/ocr/ocr.ts): `auto` reads exactly the pages with no text layer and the pages refused as garbled,
   * `always` every page; a page whose OCR confidence is under `minConfidence` is refused (`ocr-confidence`).
   */
  ocr?: { mode: "auto" | "always"; engine: import("../ocr/ocr.js").OcrEngine; minConfidence: number; onPage?: (source: string, page: number, confidence: number) => void };
  /** Passwords to try on encrypted files (after none). */
  passwords?: string[];
  /**
   * Threads extracting pages (default: one per core): this thread plus jobs − 1 workers, or this thread alone for 0
   * or 1. Output is identical for any value.
   */
  jobs?: number;
  /** With workers, documents of up to this many pages are extracted by this thread too; longer ones by the workers alone (default 800). */
  sharedPages?: number;
  /** Stop a file after this many pages in a row fail (a damaged file claiming millions of pages). */
  maxConsecutiveFailures?: number;
  /** Refuse a document claiming more pages than this (default 100,000). */
  maxPages?: number;
  /** Refuse a document with a content stream that inflates to more bytes than this (default 256 MiB). */
  maxStreamBytes?: number;
  /** Characters of text and seconds per page (see {@link PageLimits}); over either, the document is refused. */
  limits?: Partial<PageLimits>;
  onOutcome?: (o: PdfOutcome) => void;
  /** A document opened: how many pages it has (for progress by pages). */
  onOpen?: (source: string, pages: number) => void;
  /** A page was extracted (or failed): for progress by pages. */
  onPage?: (source: string, page: number) => void;
  /** Read `-` (stdin) from these bytes. */
  stdin?: () => Promise<Uint8Array>;
  /**
   * Who extracts page text: `pdfjs` (pdfjs-dist, always there), `poppler` (poppler's `pdftotext` as a process,
   * several documents at once), or `auto` (default): poppler when `pdftotext` is installed, with pdf.js for any
   * document poppler cannot open.
   */
  engine?: PdfEngine;
}

/** Paragraphs from lines: a full line wraps into the next (re-joining hyphenated words); a short line ends itself. */
export function assemblePage(lines: PageLine[], compounds: Set<string>): string {
  for (const l of lines) collectCompounds(l.text, compounds);
  const width = Math.max(0, ...lines.filter((l) => !l.table).map((l) => l.text.length));
  let out = "";
  let prev: PageLine | undefined;
  for (const l of lines) {
    if (!prev) out = l.text;
    else if (l.table || prev.table) out += (l.table && prev.table ? "\n" : "\n\n") + l.text; // a table's rows, each on its line
    else if (l.paragraph) out += "\n\n" + l.text;
    else {
      // Only a line ending in a hyphen can join (checked on the line: `out` is a long concatenation).
      const joined = prev.text.endsWith("-") ? joinHyphenated(out, l.text, compounds) : undefined;
      if (joined !== undefined) out = joined;
      else out += prev.text.length >= width * 0.6 ? " " + l.text : "\n" + l.text;
    }
    prev = l;
  }
  return out;
}

async function readStdin(): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/**
 * Pages of PDF files, in file and page order, extracted by `jobs` threads (see {@link PdfOptions}). Yields page text
 * and findings (a file that cannot be opened, a page that fails, a page without a text layer); never throws for
 * one bad file.
 */
/** A PDF object from S3, in memory (pdf.js needs the whole file; nothing is copied to disk). */
async function readS3(uri: string): Promise<Uint8Array> {
  const { openObject } = await import("../s3/s3.js");
  const parts: Buffer[] = [];
  try {
    for await (const c of await openObject(uri)) parts.push(c as Buffer);
  } catch (e) {
    throw new PdfOpenError((e as Error).message.replace(`${uri}: `, ""), "unreadable");
  }
  return new Uint8Array(Buffer.concat(parts));
}

export async function* readPdfPages(inputs: string[], opts: PdfOptions = {}): AsyncGenerator<PdfPage | Finding> {
  const jobs = opts.jobs ?? availableParallelism();
  const limits: PageLimits = { ...DEFAULT_PAGE_LIMITS, ...opts.limits };
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;
  const pdfjs = (): Extractor => (jobs > 1 ? new AheadExtractor(jobs, { sharedPages: opts.sharedPages, maxPages, limits }) : new InProcessExtractor(limits));
  // Markdown tables need each run's place, which only pdf.js gives: the poppler engine is not used for them.
  const engine = limits.tables === "markdown" ? "pdfjs" : resolveEngine(opts.engine);
  const poppler = engine === "poppler" ? new PopplerExtractor(limits, Math.max(1, jobs), opts.engine === "poppler" ? undefined : pdfjs) : undefined;
  const ex: Extractor = poppler ?? pdfjs();
  const maxFail = opts.maxConsecutiveFailures ?? 25;
  let docId = 0;
  const limit = opts.maxStreamBytes ?? DEFAULT_MAX_STREAM_BYTES;
  /** Bomb checks of documents read ahead (the extractor's prefetch), by input index: one file at a time, in order. */
  const bombs = new Map<number, Promise<Bomb | undefined>>();
  let checked: Promise<unknown> = Promise.resolve();
  poppler?.expect(inputs.length);
  try {
    for (const [at, source] of inputs.entries()) {
      const doc = docId++;
      // The next documents are read ahead (once each passed the bomb check) while this one's pages are consumed:
      // pdftotext processes, or pdf.js threads each reading one whole; how many at once, and how much text waits,
      // is the extractor's to bound.
      for (let k = 1; ex.prefetch && k <= (ex.aheadDocs ?? 0); k++) {
        const i = at + k;
        const ahead = inputs[i];
        if (ahead === undefined || ahead === "-" || ahead.startsWith("s3://") || bombs.has(i)) continue;
        const check = checked.then(() =>
          readFile(ahead).then(
            async (b) => {
              const bomb = await bombCheck(b, limit);
              if (!bomb) ex.prefetch!(doc + k, { path: ahead }, opts.passwords);
              return bomb;
            },
            () => undefined,
          ),
        );
        checked = check;
        bombs.set(i, check);
      }
      const outcome: PdfOutcome = { source, pages: 0, textPages: 0, emptyPages: 0, failedPages: 0, garbledPages: 0, boilerplateLines: 0 };
      let numPages: number;
      let ocrFile: string | undefined;
      let ocrTemp: string | undefined;
      try {
        const src = source === "-" ? { data: await (opts.stdin ?? readStdin)() } : source.startsWith("s3://") ? { data: await readS3(source) } : { path: source };
        // Bombs first: a stream that would inflate to gigabytes is refused before pdf.js starts on it.
        const bomb = bombs.has(at) ? await bombs.get(at)! : await bombCheck(src.data ?? (await readFile(source).catch(() => new Uint8Array(0))), limit);
        bombs.delete(at);
        if (bomb) {
          outcome.error = bomb.message;
          opts.onOutcome?.(outcome);
          yield finding("pdf-limit", outcome.error, { source, ...(bomb.page ? { pages: [bomb.page, bomb.page] as [number, number] } : {}) });
          continue;
        }
        numPages = await ex.open(doc, src, opts.passwords);
        if (opts.ocr) {
          // The renderer reads a file: stdin and S3 documents are written to a temp file for it (removed after).
          if (src.data) {
            const { tmpdir } = await import("node:os");
            const { join } = await import("node:path");
            ocrTemp = join(tmpdir(), `prep-data-ocr-${process.pid}-${doc}.pdf`);
            await (await import("node:fs/promises")).writeFile(ocrTemp, src.data);
          }
          ocrFile = ocrTemp ?? source;
        }
      } catch (e) {
        outcome.error = e instanceof PdfOpenError ? e.message : (e as Error).message;
        opts.onOutcome?.(outcome);
        yield finding(e instanceof PdfOpenError && e.kind.includes("password") ? "pdf-password" : e instanceof PdfOpenError && e.kind === "limit" ? "pdf-limit" : "pdf", outcome.error, { source });
        continue;
      }
      if (numPages > maxPages) {
        outcome.error = `claims ${numPages.toLocaleString("en-US")} pages, over the limit of ${maxPages.toLocaleString("en-US")} (--max-pages)`;
        await ex.close(doc);
        opts.onOutcome?.(outcome);
        yield finding("pdf-limit", outcome.error, { source });
        continue;
      }
      outcome.pages = numPages;
      opts.onOpen?.(source, numPages);
      const filter = new BoilerplateFilter();
      const refs = new Map<string, number>();
      let refused = false;
      const compounds = new Set<string>();
      const inflight = new Map<number, Promise<ExtractedPage | Error>>();
      const ocrAhead = new Map<number, Promise<PageLine[] | Finding>>();
      let next = 1;
      let failures = 0;
      // A page whose text is not language (broken font encodings) is refused, never written: a finding with its page.
      // OCR of one page: its lines, or the finding that says why not (no text found, low confidence, a failure).
      const ocrLines = async (page: number): Promise<PageLine[] | Finding> => {
        const o = opts.ocr!;
        try {
          const r = await o.engine.page(ocrFile!, page, opts.passwords?.[0]);
          const { ocrFoundWords, ocrTextLines } = await import("../ocr/ocr.js");
          if (!ocrFoundWords(r.text)) return finding("no-text-layer", `page ${page}: no text layer, and OCR found no words on it${r.text ? " (only marks: rules, boxes or specks)" : ""}`, { source, pages: [page, page] }, "warning");
          if (r.confidence < o.minConfidence) return finding("ocr-confidence", `page ${page}: OCR confidence ${Math.round(r.confidence)} is under --ocr-min-confidence ${o.minConfidence}: the page is refused, not written`, { source, pages: [page, page] });
          outcome.ocrPages = (outcome.ocrPages ?? 0) + 1;
          o.onPage?.(source, page, r.confidence);
          return ocrTextLines(r.text);
        } catch (e) {
          return finding("ocr", `page ${page}: ${(e as Error).message}`, { source, pages: [page, page] });
        }
      };
      // Garbled pages in auto mode: read by OCR instead of refused.
      const withOcr = async function* (items: (PdfPage | Finding)[]): AsyncGenerator<PdfPage | Finding> {
        for (const x of items) {
          if (opts.ocr?.mode === "auto" && x.type === "finding" && x.reason === "garbled-text" && x.origin.pages) {
            const got = await ocrLines(x.origin.pages[0]);
            if (Array.isArray(got)) {
              outcome.garbledPages--;
              yield finding("ocr", `page ${x.origin.pages[0]}: the text layer is not language; read by OCR instead`, x.origin, "warning");
              yield { type: "page", source, page: x.origin.pages[0], text: assemblePage(got, compounds) };
            } else yield got;
          } else yield x;
        }
      };
      const settle = (pages: PageLines[]) =>
        pages
          .map((p): PdfPage => ({ type: "page", source, page: p.page, text: assemblePage(p.lines, compounds) }))
          .filter((p) => p.text !== "")
          .map((p): PdfPage | Finding => {
            const g = garbledText(p.text);
            if (!g.garbled) return p;
            outcome.garbledPages++;
            return finding("garbled-text", `page ${p.page}: the text layer is not language (${Math.round(g.wordlike * 100)} % of ${g.tokens} tokens look like words${g.odd ? `, ${Math.round(g.odd * 100)} % hold code points running text does not use` : ""}): a font maps its glyphs to the wrong characters; OCR the page instead`, { source, pages: [p.page, p.page] });
          });
      for (let page = 1; page <= numPages; page++) {
        while (next <= numPages && inflight.size < ex.width) {
          const n = next++;
          inflight.set(
            n,
            ex.page(doc, n).then((r) => {
              // A page OCR will read starts at once, so several OCR workers read pages while this one is chunked.
              if (opts.ocr && !(r instanceof Error) && (opts.ocr.mode === "always" || r.lines.length === 0)) ocrAhead.set(n, ocrLines(n));
              return r;
            }, (e: Error) => e),
          );
        }
        const extracted = await inflight.get(page)!;
        inflight.delete(page);
        opts.onPage?.(source, page);
        if (extracted instanceof PageLimitError) {
          // Over a bound: the document is refused whole (its other pages would cost as much).
          outcome.error = extracted.message;
          outcome.failedPages++;
          yield finding("pdf-limit", `${extracted.message}; the rest of the document is skipped`, { source, pages: [page, page] });
          refused = true;
          break;
        }
        // A page tree that lists one page object many times: each repeat is a failed page.
        const seen = !(extracted instanceof Error) && extracted.ref !== undefined ? refs.get(extracted.ref) : undefined;
        const got = extracted instanceof Error ? extracted : seen !== undefined ? new Error(`the same page object as page ${seen} (a malformed page tree)`) : extracted.lines;
        if (!(extracted instanceof Error) && extracted.ref !== undefined && seen === undefined) refs.set(extracted.ref, page);
        if (got instanceof Error) {
          outcome.failedPages++;
          yield finding("pdf-page", `page ${page}: ${got.message}`, { source, pages: [page, page] });
          if (++failures >= maxFail) {
            outcome.error = `stopped after ${maxFail} unreadable pages in a row (the file claims ${numPages.toLocaleString("en-US")} pages)`;
            yield finding("pdf", outcome.error, { source });
            break;
          }
          continue;
        }
        failures = 0;
        let lines = got;
        if (opts.ocr && (opts.ocr.mode === "always" || got.length === 0)) {
          const read = await (ocrAhead.get(page) ?? ocrLines(page));
          ocrAhead.delete(page);
          if (Array.isArray(read)) {
            lines = read;
            if (got.length === 0) yield finding("ocr", `page ${page}: no text layer; read by OCR`, { source, pages: [page, page] }, "warning");
          } else {
            yield read;
            lines = opts.ocr.mode === "always" ? got : [];
          }
        }
        if (lines.length === 0) {
          outcome.emptyPages++;
          if (!opts.ocr) yield finding("no-text-layer", `page ${page} has no extractable text (a scan, or text drawn as outlines)`, { source, pages: [page, page] }, "warning");
        } else outcome.textPages++;
        yield* withOcr(settle(filter.push({ page, lines })));
      }
      // Pages still in flight of a refused document are not waited for (each could cost as much): it is closed.
      if (!refused) await Promise.allSettled(inflight.values());
      yield* withOcr(settle(filter.flush()));
      outcome.boilerplateLines = filter.removed;
      await ex.close(doc);
      if (ocrTemp) await (await import("node:fs/promises")).unlink(ocrTemp).catch(() => undefined);
      if (outcome.pages > 0 && outcome.textPages === 0 && !outcome.error) {
        yield finding("no-text-layer", opts.ocr ? `no page has text, by its text layer or by OCR (${outcome.pages} page${outcome.pages === 1 ? "" : "s"})` : `no page has extractable text (${outcome.pages} page${outcome.pages === 1 ? "" : "s"}): a scanned or outlined document needs OCR first (--ocr auto)`, { source });
      }
      opts.onOutcome?.(outcome);
    }
  } finally {
    await ex.end();
  }
}

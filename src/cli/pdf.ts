import { Option, type Command } from "commander";
import { rejectedTotal } from "../pipeline.js";
import type { PdfOutcome, PdfPage } from "../pdf/pages.js";
import { finding, PrepError, type Finding, type SourceItem } from "../record.js";
import { loadTokenCounter } from "../tokens/index.js";
import { RecordChecker } from "../validate/checker.js";
import { addChunkOptions, chunkPlan, documentPlan, type DocumentOpts } from "./documents.js";
import { addWriteOptions, intArg, selectionOf, withDedup } from "./options.js";
import { writeShardManifest } from "./run.js";
import { basename } from "node:path";
import { statSync } from "node:fs";
import { Progress } from "./progress.js";
import { addOcrOptions, ocrOf, type OcrCliOpts } from "./ocr-options.js";
import { IMAGE_GLOB, isImage } from "../ocr/kind.js";
import { report, Reporter } from "./report.js";

interface PdfCliOpts extends DocumentOpts, OcrCliOpts {
  password: string[];
  tables: "markdown" | "text";
  jobs?: number;
  maxPages?: number;
  maxStreamMb?: number;
  maxPageChars?: number;
  maxExtractMb?: number;
  pageTimeout?: number;
  engine: "auto" | "pdfjs" | "poppler";
}

export const DEFAULT_CHUNK_TOKENS = 700;

/** The generator, already running up to its first item. */
function started<T>(it: AsyncGenerator<T>): AsyncGenerator<T> {
  const first = it.next();
  first.catch(() => undefined); // surfaced when the first item is read
  return (async function* () {
    const f = await first;
    if (f.done) return;
    yield f.value;
    yield* it;
  })();
}

function outcomeLine(o: PdfOutcome): string {
  if (o.error && o.textPages === 0) return `${o.source}: FAILED: ${o.error}`;
  const parts = [`${o.pages} page${o.pages === 1 ? "" : "s"}`, `${o.textPages} with text`];
  if (o.emptyPages) parts.push(`${o.emptyPages} without a text layer`);
  if (o.failedPages) parts.push(`${o.failedPages} unreadable`);
  if (o.garbledPages) parts.push(`${o.garbledPages} with garbled text (refused)`);
  if (o.ocrPages) parts.push(`${o.ocrPages} read by OCR`);
  if (o.boilerplateLines) parts.push(`${o.boilerplateLines} header/footer lines removed`);
  return `${o.source}: ${parts.join(", ")}${o.error ? ` (${o.error})` : ""}`;
}

export function addPdfCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command("pdf <inputs...>")
    .description("PDF files, folders, globs or - (stdin) → continued pre-training records: text a reader accepts, chunked to about a page with overlap")
    .addOption(new Option("-f, --format <name>", "record format").choices(["cpt", "text"]).default("cpt"));
  addOcrOptions(addChunkOptions(addWriteOptions(cmd, "-", "chunks"), `target chunk size (default ${DEFAULT_CHUNK_TOKENS} tokens, about one page)`), "OCR (tesseract.js, pages rendered by poppler's pdftoppm): auto reads the pages with no text layer and those refused as garbled, always every page; with either, .png, .jpg and .tiff page images are inputs too")
    .option("--password <pw>", "password for encrypted PDFs (repeat for several; each is tried)", (v: string, all: string[]) => [...all, v], [] as string[])
    .addOption(new Option("--tables <mode>", "tables on a page: markdown writes each as a Markdown table (found from where pdf.js places the text, so pages are read by pdf.js), text leaves them as runs of text").choices(["markdown", "text"]).default("text"))
    .addOption(new Option("--engine <name>", "page text from pdf.js (always there) or poppler's pdftotext run as a process (faster; several documents at once); auto: poppler when pdftotext is installed, pdf.js for a document it cannot open").choices(["auto", "pdfjs", "poppler"]).default("auto"))
    .option("-j, --jobs <n>", "threads extracting pages: n-1 workers, plus this one for documents up to 800 pages (default: one per core); output is the same for any value", intArg("--jobs", 1))
    .option("--max-pages <n>", "refuse a document that claims more pages (default 100000)", intArg("--max-pages", 1))
    .option("--max-stream-mb <n>", "refuse a document with a content stream, or a page (streams summed, forms times their uses), that inflates to more MiB than this (default 256)", intArg("--max-stream-mb", 1))
    .option("--max-page-chars <n>", "refuse a document with a page of more text characters than this (default 2000000)", intArg("--max-page-chars", 1))
    .option("--max-extract-mb <n>", "poppler: MiB of memory one pdftotext process may use (default 2048); over it, the document is refused", intArg("--max-extract-mb", 64))
    .option("--page-timeout <seconds>", "refuse a document with a page that takes longer (default 20; bounds a decompression bomb's time and memory)", intArg("--page-timeout", 1))
    .option("--metadata <file>", "write each record's provenance (file, pages, tokens; ocr: true when a page was read by OCR) as JSONL beside the records")
    .option("-m, --model <id>", "check every record against this model's rules and size chunks to its limit")
    .option("--batch-size <n>", "with --model: the job's batch size", intArg("--batch-size", 1))
    .option("--max-findings <n>", "print at most N findings (all are counted)", intArg("--max-findings"), 20)
    .option("-q, --quiet", "no per-file lines or summary")
    .action(async (inputs: string[], o: PdfCliOpts) => {
      // Loaded here, not at start-up: pdf.js and the text splitter cost ~0.4 s that other commands need not pay.
      // The extraction modules first: pdftotext starts on the first documents before the chunker and the pipeline
      // are loaded (compiling them takes ~0.1 s of this thread).
      const [{ expandPdfInputs, expandInputs, expansionNotes }, { readPdfPages }] = await Promise.all([import("../pdf/inputs.js"), import("../pdf/pages.js")]);
      const progress = new Progress({ quiet: o.quiet, recordsOnStdout: o.output === "-" });
      const rep = new Reporter(o.maxFindings, o.quiet, progress);
      const { popplerBinary, resolveEngine } = await import("../pdf/poppler.js");
      if (o.tables === "markdown" && o.engine === "poppler") throw new PrepError("--tables markdown needs where each piece of text sits on the page, which pdf.js gives and pdftotext does not: use --engine pdfjs or auto", 2);
      if (o.engine === "poppler") {
        if (!popplerBinary()) throw new PrepError("--engine poppler needs poppler's pdftotext on PATH (Debian/Ubuntu: apt-get install poppler-utils; macOS: brew install poppler), or use --engine pdfjs", 2);
      }
      const engineName = o.tables === "markdown" ? "pdfjs" : resolveEngine(o.engine);
      // With OCR on, page images (scans as PNG, JPEG, TIFF) are inputs beside the PDFs.
      const expanded = o.ocr === "never" ? await expandPdfInputs(inputs) : await expandInputs(inputs, `**/*.{pdf,${IMAGE_GLOB}}`);
      if (!o.quiet) for (const n of expansionNotes(expanded)) process.stderr.write(`note: ${n}\n`);
      if (!expanded.paths.length) throw new PrepError(`no PDF files found in ${inputs.join(", ")}${o.ocr === "never" ? " (page images, .png .jpg .tiff, are read with --ocr auto)" : ""}`, 2);
      // Every output is checked before a page is extracted.
      const { shard, paths, unmatched, split } = documentPlan(expanded, o);
      const selection = await selectionOf(o, o.format);
      const { profile, maxTokens, size, overlap } = await chunkPlan(o, DEFAULT_CHUNK_TOKENS);
      const checkerOpts = { model: profile, batchSize: o.batchSize, tokenizer: o.tokenizer };

      const outcomes: PdfOutcome[] = [];
      // Extraction starts now (workers load pdf.js and open the first file) while this thread loads the vocabulary.
      // Progress by pages: a document's page count is known once it opens; the pages of the documents not yet opened
      // are estimated from their bytes at the pages-per-byte of those opened (one 2,415-page book showed
      // "0 files / 1 files" for its whole run when progress counted files).
      const sizes = new Map(paths.map((p) => [p, p === "-" || p.startsWith("s3://") ? 0 : (statSync(p, { throwIfNoEntry: false })?.size ?? 0)]));
      const pageCount = { known: 0, openedBytes: 0, unopenedBytes: [...sizes.values()].reduce((a, b) => a + b, 0), done: 0, files: 0 };
      const settled = new Set<string>();
      const leave = (source: string, pages?: number) => {
        if (settled.has(source)) return;
        settled.add(source);
        const b = sizes.get(source) ?? 0;
        pageCount.unopenedBytes -= b;
        if (pages !== undefined) {
          pageCount.known += pages;
          pageCount.openedBytes += b;
        }
      };
      const pageTotal = () => Math.max(pageCount.done, Math.round(pageCount.known + (pageCount.openedBytes > 0 ? (pageCount.unopenedBytes * pageCount.known) / pageCount.openedBytes : 0)));
      progress.start(paths.length === 1 ? `extracting ${basename(paths[0]!)}` : "extracting", undefined, "pages");
      const showPages = () => progress.update(pageCount.done, `${pageCount.files}/${paths.length} files  ${rep.counts}`, pageCount.known > 0 ? pageTotal() : undefined);
      const ocr = await ocrOf(o);
      const images = paths.filter(isImage);
      const extracting = readPdfPages(images.length ? paths.filter((p) => !isImage(p)) : paths, {
        ...(ocr ? { ocr } : {}),
        passwords: o.password,
        jobs: o.jobs,
        engine: o.engine,
        maxPages: o.maxPages,
        maxStreamBytes: o.maxStreamMb ? o.maxStreamMb * 1024 * 1024 : undefined,
        limits: { tables: o.tables, ...(o.maxPageChars ? { maxPageChars: o.maxPageChars } : {}), ...(o.pageTimeout ? { pageTimeoutSeconds: o.pageTimeout } : {}), ...(o.maxExtractMb ? { maxExtractMb: o.maxExtractMb } : {}) },
        onOpen: (source, n) => {
          leave(source, n);
          showPages();
        },
        onPage: () => {
          pageCount.done++;
          showPages();
        },
        onOutcome: (x) => {
          outcomes.push(x);
          pageCount.files++;
          leave(x.source);
          if (!o.quiet) rep.line(outcomeLine(x));
          showPages();
        },
      });
      const pdfPages = started(extracting);
      // Page images after the PDFs, each page read by OCR (an image named with --ocr never is refused, said why).
      let readImage: ((path: string) => AsyncGenerator<PdfPage | Finding>) | undefined;
      async function* withImages(): AsyncGenerator<PdfPage | Finding> {
        yield* pdfPages;
        for (const img of images) {
          if (!ocr) yield finding("image", "a page image is read by OCR: add --ocr auto", { source: img });
          else
            for await (const x of (readImage ??= (await import("../ocr/images.js")).imagesAhead(images, ocr, ocr.workers))(img)) {
              if (x.type === "page") pageCount.done++;
              yield x;
            }
          pageCount.files++;
          leave(img);
          showPages();
        }
      }
      const pages = images.length ? withImages() : pdfPages;
      // The chunker and the pipeline load while pdftotext (or pdf.js's workers) read the first documents.
      const later = Promise.all([import("../chunk.js"), import("../prepare.js")]);
      later.catch(() => undefined);
      try {
        const [{ chunkPages }, { prepare }] = await later;
        const [counter, checker] = await Promise.all([loadTokenCounter(o.tokenizer ?? profile?.tokenizer ?? "cl100k"), profile ? RecordChecker.create(checkerOpts) : undefined]);
        async function* rows(): AsyncGenerator<SourceItem> {
          for (const u of unmatched) yield finding("file", "no such file, folder or matching PDF", { source: u });
          const { withPageTables } = await import("../structure/markdown.js");
          async function* tabled(): AsyncGenerator<PdfPage | Finding> {
            for await (const x of pages) yield x.type === "page" ? withPageTables(x) : x;
          }
          for await (const c of chunkPages(o.tables === "markdown" ? tabled() : pages, { size, overlap, unit: o.chunkUnit, maxTokens, counter })) {
            if (c.type === "finding") yield c;
            else yield { type: "row", values: { text: c.text, tokens: c.tokens }, origin: { source: c.source, pages: c.pages } };
          }
        }
        const r = await prepare({
          input: { kind: "rows", rows: rows(), paths },
          format: o.format,
          toDraft: (row) => ({ kind: "text", text: row.values.text as string, origin: row.origin }),
          output: o.output,
          rejects: o.rejects,
          ...selection,
          ...split,
          check: await withDedup(o.dedup, checker ? (record, origin) => checker.modelFindings(record, o.format, origin) : undefined),
          onFinding: rep.finding,
          sideOutputs: o.metadata
            ? [{ option: "--metadata", path: o.metadata, role: "metadata", line: (rec, origin, index) => {
                const text = (rec as { input?: string; text?: string }).input ?? (rec as { text: string }).text;
                const ocrd = ocr?.read(origin.source, origin.pages);
                return { record: index, source: origin.source, pages: origin.pages, chars: text.length, tokens: counter.count(text), tokenizer: counter.name, ...(ocrd ? { ocr: true } : {}) };
              } }]
            : undefined,
          // Pages had text but nothing was written (every chunk refused or removed): the run failed, nothing replaced.
          commitIf: (s) => s.written > 0 || (rejectedTotal(s) === 0 && outcomes.every((x) => x.textPages === 0)),
          onProgress: rep.progress,
        });
        if (shard) await writeShardManifest(o.output, shard, paths, r);
        report.add(r, r.outputs, {
          files: outcomes.map((x) => ({ source: x.source, pages: x.pages, textPages: x.textPages, emptyPages: x.emptyPages, failedPages: x.failedPages, boilerplateLines: x.boilerplateLines, ...(x.error ? { error: x.error } : {}) })),
        });
        const files = `${outcomes.length} file${outcomes.length === 1 ? "" : "s"}, ${outcomes.filter((x) => x.error && x.textPages === 0).length} failed${images.length ? `, ${images.length} image${images.length === 1 ? "" : "s"}` : ""}`;
        rep.summary(r, undefined, `(${files}; engine ${engineName}; chunks of ${size} ${o.chunkUnit}, overlap ${overlap}, max ${maxTokens} tokens${counter.exact ? "" : " estimated"})`);
        const textPages = outcomes.reduce((a, x) => a + x.textPages, 0);
        if (r.written === 0 && textPages > 0) {
          // Never a quiet empty result: say where the text went.
          rep.line(`error: ${textPages} page${textPages === 1 ? "" : "s"} had text, but no record was written${rejectedTotal(r) ? " (every chunk was rejected: see the findings above)" : ""}`);
        }
        setExit(r.written === 0 && (rejectedTotal(r) > 0 || unmatched.length || textPages > 0) ? 3 : rejectedTotal(r) > 0 || unmatched.length ? 1 : 0);
      } finally {
        // Stops the workers if the run ended before reading every page (an error), a no-op otherwise.
        await extracting.return(undefined);
        await ocr?.engine.end();
      }
    });
}

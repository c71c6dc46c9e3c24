import { Option, type Command } from "commander";
import { rejectedTotal } from "../pipeline.js";
import { finding, PrepError, type Finding, type SourceItem } from "../record.js";
import { RecordChecker } from "../validate/checker.js";
import { expandInputs, expansionNotes } from "../pdf/inputs.js";
import { addChunkOptions, chunkPlan, documentPlan, type DocumentOpts } from "./documents.js";
import { addWriteOptions, intArg, selectionOf, withDedup } from "./options.js";
import { writeShardManifest } from "./run.js";
import { Progress } from "./progress.js";
import { report, Reporter } from "./report.js";
import type { PdfPage } from "../pdf/pages.js";
import { garbledText } from "../pdf/garbled.js";
import { officeKind, officeUnit } from "../office/kind.js";
import { MarkdownScanner, withPageTables } from "../structure/markdown.js";
import { IMAGE_GLOB, isImage } from "../ocr/kind.js";
import { addOcrOptions, ocrOf, type OcrCliOpts } from "./ocr-options.js";

const TEXT_GLOB = "**/*.{txt,md,markdown,html,htm,docx,pptx,epub,odt,pdf}";

/** What a chunk's range counts in a file: paragraphs of HTML, DOCX and ODT, slides, chapters, lines of text and Markdown. */
function unitOf(path: string): "lines" | "paragraphs" | "slides" | "chapters" | "pages" {
  if (isImage(path) || /\.pdf$/i.test(path)) return "pages";
  const office = officeKind(path);
  if (office) return officeUnit(office);
  return /\.html?$/i.test(path) ? "paragraphs" : "lines";
}

interface TextCliOpts extends DocumentOpts, OcrCliOpts {
  encoding?: string;
  headingContext?: boolean;
  password: string[];
  tables: "markdown" | "text";
}

export function addTextCommand(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command("text <inputs...>")
    .description(".txt, .md, .html, .docx, .pptx, .epub, .odt and .pdf files, folders, globs or - → continued pre-training records, chunked like pdf (provenance by line range; HTML, DOCX and ODT by paragraph, PPTX by slide, EPUB by chapter, PDF by page)")
    .addOption(new Option("-f, --format <name>", "record format").choices(["cpt", "text"]).default("cpt"));
  addOcrOptions(addChunkOptions(addWriteOptions(cmd, "-", "chunks"), "target chunk size (default 700 tokens)"), "page images (.png, .jpg, .tiff; a multi-page TIFF page by page) read by OCR (tesseract.js): auto or always take them as inputs, never leaves them out")
    .option("--encoding <name>", "encoding when there is no BOM: utf8, utf16le, utf16be, latin1, windows-1252 (default: utf8; HTML: its <meta charset>, else utf8)")
    .option("--metadata <file>", "each record's provenance: file and line range (HTML: paragraph range), heading path, tokens")
    .option("--password <pw>", "password for encrypted PDFs (repeat for several; each is tried)", (v: string, all: string[]) => [...all, v], [] as string[])
    .addOption(new Option("--tables <mode>", "tables on PDF pages: markdown writes each as a Markdown table (PDFs then read by pdf.js), text leaves them as runs of text").choices(["markdown", "text"]).default("text"))
    .option("--heading-context", "put each chunk's heading path (# Guide > ## Install) before its text (Markdown, HTML and office documents)")
    .option("-m, --model <id>", "check every record against this model's rules and size chunks to its limit")
    .option("--batch-size <n>", "with --model: the job's batch size", intArg("--batch-size", 1))
    .option("--max-findings <n>", "print at most N findings (all are counted)", intArg("--max-findings"), 20)
    .option("-q, --quiet", "no notes or summary")
    .action(async (inputs: string[], o: TextCliOpts) => {
      const [{ chunkPages }, { prepare }, { textBlocks, htmlBlocks }, { loadTokenCounter }] = await Promise.all([import("../chunk.js"), import("../prepare.js"), import("../sources/text.js"), import("../tokens/index.js")]);
      const ocr = await ocrOf(o);
      const expanded = await expandInputs(inputs, ocr ? TEXT_GLOB.replace("}", `,${IMAGE_GLOB}}`) : TEXT_GLOB);
      if (!o.quiet) for (const n of expansionNotes(expanded)) process.stderr.write(`note: ${n}\n`);
      if (!expanded.paths.length) throw new PrepError(`no .txt, .md, .html, .docx, .pptx, .epub, .odt or .pdf files found in ${inputs.join(", ")}${ocr ? "" : " (page images, .png .jpg .tiff, are read with --ocr auto)"}`, 2);
      const { shard, paths, unmatched, split } = documentPlan(expanded, o);
      const selection = await selectionOf(o, o.format);
      const { profile, maxTokens, size, overlap } = await chunkPlan(o, 700);
      const [counter, checker] = await Promise.all([loadTokenCounter(o.tokenizer ?? profile?.tokenizer ?? "cl100k"), profile ? RecordChecker.create({ model: profile, batchSize: o.batchSize, tokenizer: o.tokenizer }) : undefined]);
      const progress = new Progress({ quiet: o.quiet, recordsOnStdout: o.output === "-" });
      const rep = new Reporter(o.maxFindings, o.quiet, progress);
      progress.start("reading", paths.length, "files");
      let filesDone = 0;
      let readImage: ((path: string) => AsyncGenerator<PdfPage | Finding>) | undefined;
      let pdfs: AsyncIterator<PdfPage | Finding> | undefined;
      let held: IteratorResult<PdfPage | Finding> | undefined;
      async function* blocks(): AsyncGenerator<PdfPage | Finding> {
        for (const p of paths) {
          // Markdown and the office formats (read as Markdown) carry headings and tables to the chunker; HTML's
          // reader finds its own headings.
          const scanner = officeKind(p) || /\.(md|markdown)$/i.test(p) ? new MarkdownScanner() : undefined;
          if (/\.pdf$/i.test(p)) {
            // A PDF among the documents: its pages as the pdf command reads them (engine, cleaning, OCR). One reader
            // for all the run's PDFs (its workers start once), taken file by file in the run's order.
            pdfs ??= (await import("../pdf/pages.js")).readPdfPages(paths.filter((x) => /\.pdf$/i.test(x)), { passwords: o.password, limits: { tables: o.tables }, ...(ocr ? { ocr } : {}) })[Symbol.asyncIterator]();
            for (;;) {
              const x = held ?? (await pdfs.next());
              held = undefined;
              if (x.done) break;
              if ((x.value.type === "page" ? x.value.source : x.value.origin.source) !== p) {
                held = x;
                break;
              }
              yield o.tables === "markdown" && x.value.type === "page" ? withPageTables(x.value) : x.value;
            }
            progress.update(++filesDone, rep.counts);
            continue;
          }
          if (isImage(p)) {
            if (!ocr) yield finding("image", "a page image is read by OCR: add --ocr auto", { source: p });
            else yield* (readImage ??= (await import("../ocr/images.js")).imagesAhead(paths, ocr, ocr.workers))(p);
            progress.update(++filesDone, rep.counts);
            continue;
          }
          try {
            const office = officeKind(p) ? (await import("../office/documents.js")).officeBlocks(p) : undefined;
            for await (const b of office ?? (/\.html?$/i.test(p) ? htmlBlocks(p, o.encoding) : textBlocks(p, o.encoding))) {
              const g = b.type === "page" ? garbledText(b.text) : undefined;
              if (g?.garbled) {
                const page = b as PdfPage;
                const last = page.marks?.length ? page.marks[page.marks.length - 1]!.n : page.page;
                yield finding("garbled-text", `not language (${Math.round(g.wordlike * 100)} % of ${g.tokens} tokens look like words)`, { source: p, pages: [page.page, last], rangeUnit: unitOf(p) });
              } else {
                if (scanner && b.type === "page") b.structure = scanner.scan(b.text);
                yield b;
              }
            }
          } catch (e) {
            if (!(e instanceof PrepError)) throw e;
            yield finding(e.reason, e.message.replace(`${p}: `, ""), { source: p });
          }
          progress.update(++filesDone, rep.counts);
        }
      }
      async function* rows(): AsyncGenerator<SourceItem> {
        for (const u of unmatched) yield finding("file", "no such file, folder or matching text file", { source: u });
        for await (const c of chunkPages(blocks(), { size, overlap, unit: o.chunkUnit, maxTokens, counter, headingContext: o.headingContext })) {
          if (c.type === "finding") yield c;
          else yield { type: "row", values: { text: c.text, tokens: c.tokens }, origin: { source: c.source, pages: c.pages, rangeUnit: unitOf(c.source), ...(c.headings ? { headings: c.headings } : {}) } };
        }
      }
      try {
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
          onProgress: rep.progress,
          sideOutputs: o.metadata
            ? [{ option: "--metadata", path: o.metadata, role: "metadata", line: (rec, origin, index) => {
                const text = (rec as { input?: string; text?: string }).input ?? (rec as { text: string }).text;
                return { record: index, source: origin.source, [unitOf(origin.source)]: origin.pages, ...(origin.headings ? { headings: origin.headings } : {}), chars: text.length, tokens: counter.count(text), tokenizer: counter.name, ...(ocr?.read(origin.source, origin.pages) ? { ocr: true } : {}) };
              } }]
            : undefined,
        });
        rep.summary(r, undefined, `(${paths.length} file${paths.length === 1 ? "" : "s"}; chunks of ${size} ${o.chunkUnit}, overlap ${overlap}, max ${maxTokens} tokens)`);
        if (shard) await writeShardManifest(o.output, shard, paths, r);
        report.add(r, r.outputs);
        setExit(r.written === 0 && (rejectedTotal(r) > 0 || unmatched.length) ? 3 : rejectedTotal(r) > 0 || unmatched.length ? 1 : 0);
      } finally {
        progress.stop();
        await pdfs?.return?.(undefined);
        await ocr?.engine.end();
      }
    });
}

import { posix } from "node:path";
import { Parser } from "htmlparser2";
import TurndownService from "turndown";
import { gfm } from "turndown-plugin-gfm";
import type { PdfPage } from "../pdf/pages.js";
import { PrepError } from "../record.js";
import { readArchive } from "./archive.js";
import { officeKind } from "./kind.js";
export { officeKind, officeUnit, type OfficeKind } from "./kind.js";

/**
 * Word, PowerPoint, EPUB and OpenDocument text files as blocks for the chunker, through the same text → chunk →
 * record path as Markdown: headings as `#` lines, lists as `-` items, tables as Markdown tables (turndown with its
 * GFM plugin, from the HTML mammoth or the e-book gives). Each block is numbered by what a reader would cite: a
 * DOCX/ODT paragraph, a slide, a chapter. Every archive is bounded first (archive.ts).
 */
let turndown: TurndownService | undefined;
/** HTML → Markdown; a table's first row becomes its header (mammoth writes no <th>), so GFM tables come out. */
export function htmlToMarkdown(html0: string): string {
  let html = html0;
  if (!turndown) {
    turndown = new TurndownService({ headingStyle: "atx", bulletListMarker: "-", codeBlockStyle: "fenced" });
    turndown.use(gfm);
    // Text is kept as written: Markdown escapes (\\--port, 1\\.) would change the training text.
    turndown.escape = (t: string) => t;
  }
  // Paragraphs inside table cells (mammoth writes them) would break a GFM table: a cell is one line.
  html = html.replace(/<t([dh])([^>]*)>([\s\S]*?)<\/t\1>/g, (_m, k: string, a: string, inner: string) => `<t${k}${a}>${inner.replace(/<\/p>\s*<p[^>]*>/g, "<br>").replace(/<\/?p[^>]*>/g, "")}</t${k}>`);
  const headed = html.replace(/<table([^>]*)>\s*(<tbody[^>]*>)?\s*<tr([^>]*)>([\s\S]*?)<\/tr>/g, (_m, t: string, tb: string | undefined, tr: string, cells: string) => `<table${t}><thead><tr${tr}>${cells.replace(/<td(\s|>)/g, "<th$1").replace(/<\/td>/g, "</th>")}</tr></thead>${tb ?? ""}`);
  return turndown.turndown(headed).replace(/\n{3,}/g, "\n\n").trim();
}

/** Markdown text as paragraphs (blank-line separated; a table stays one paragraph). */
const paragraphsOf = (md: string) => md.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);

/** Paragraphs as blocks of at most 50, each numbered by its first paragraph, with a mark per paragraph. */
function* paragraphBlocks(source: string, paragraphs: string[], first = 1): Generator<PdfPage> {
  for (let i = 0; i < paragraphs.length; i += 50) {
    const part = paragraphs.slice(i, i + 50);
    const marks: { at: number; n: number }[] = [];
    let at = 0;
    part.forEach((p, j) => {
      marks.push({ at, n: first + i + j });
      at += p.length + 2;
    });
    yield { type: "page", source, page: first + i, text: part.join("\n\n"), marks };
  }
}

/** Text of XML elements by tag: paragraphs (`para`), with headings and list items marked. */
function xmlParagraphs(xml: string, o: { para: string[]; text?: string[]; heading?: (name: string, attrs: Record<string, string>) => number | undefined; item?: string[] }): string[] {
  const out: string[] = [];
  let current: string | undefined;
  let prefix = "";
  let depth = 0;
  let inText = 0;
  let inItem = 0;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (o.para.includes(name)) {
          if (depth === 0) {
            current = "";
            const level = o.heading?.(name, attrs);
            prefix = level ? `${"#".repeat(Math.min(6, level))} ` : inItem ? "- " : "";
          }
          depth++;
        }
        if (o.item?.includes(name)) inItem++;
        if (o.text?.includes(name)) inText++;
        if (current !== undefined && (name === "text:tab" || name === "a:tab")) current += "\t";
        if (current !== undefined && (name === "text:line-break" || name === "a:br")) current += "\n";
        if (current !== undefined && name === "text:s") current += " ".repeat(Number(attrs["text:c"] ?? 1));
      },
      ontext(t) {
        if (current !== undefined && (!o.text || inText)) current += t;
      },
      onclosetag(name) {
        if (o.text?.includes(name)) inText = Math.max(0, inText - 1);
        if (o.item?.includes(name)) inItem = Math.max(0, inItem - 1);
        if (o.para.includes(name) && --depth === 0 && current !== undefined) {
          const t = current.replace(/[ \t]+/g, " ").trim();
          if (t) out.push(prefix + t);
          current = undefined;
          prefix = "";
        }
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  return out;
}

const utf8 = (b: Buffer | undefined) => (b ? b.toString("utf8") : "");

async function docx(path: string): Promise<PdfPage[]> {
  await readArchive(path, () => false); // bounds first: mammoth inflates the archive itself
  const mammoth = await import("mammoth");
  const { value } = await (mammoth.default ?? mammoth).convertToHtml({ path });
  return [...paragraphBlocks(path, paragraphsOf(htmlToMarkdown(value)))];
}

async function odt(path: string): Promise<PdfPage[]> {
  const files = await readArchive(path, (n) => n === "content.xml");
  const xml = files.get("content.xml");
  if (!xml) throw new PrepError("no content.xml in the archive: not an OpenDocument text file", 1, "archive");
  const paragraphs = xmlParagraphs(utf8(xml), { para: ["text:p", "text:h"], item: ["text:list-item"], heading: (name, a) => (name === "text:h" ? Number(a["text:outline-level"] ?? 1) : undefined) });
  return [...paragraphBlocks(path, paragraphs)];
}

/**
 * A slide's title shapes (placeholders of type title, or ctrTitle on a title slide) marked as headings: their
 * paragraphs get an attribute the paragraph reader turns into `##` (a slide's title) or `#` (the deck's title slide),
 * so a deck's chunks carry the slide titles as their heading path.
 */
function markTitles(xml: string): string {
  return xml.replace(/<p:sp\b[\s\S]*?<\/p:sp>/g, (sp) => {
    const type = /<p:ph\b[^>]*\btype="(title|ctrTitle)"/.exec(sp)?.[1];
    return type ? sp.replace(/<a:p(?=[\s>])/g, `<a:p prep-data-heading="${type === "ctrTitle" ? 1 : 2}"`) : sp;
  });
}

/** Slides in presentation order (presentation.xml's sldIdLst through its relationships), each with its notes. */
async function pptx(path: string): Promise<PdfPage[]> {
  const files = await readArchive(path, (n) => /^ppt\/(presentation\.xml|_rels\/presentation\.xml\.rels|slides\/slide\d+\.xml|slides\/_rels\/slide\d+\.xml\.rels|notesSlides\/notesSlide\d+\.xml)$/.test(n));
  const rels = new Map<string, string>();
  for (const m of utf8(files.get("ppt/_rels/presentation.xml.rels")).matchAll(/<Relationship\b[^>]*\bId="([^"]+)"[^>]*\bTarget="([^"]+)"/g)) rels.set(m[1]!, m[2]!);
  for (const m of utf8(files.get("ppt/_rels/presentation.xml.rels")).matchAll(/<Relationship\b[^>]*\bTarget="([^"]+)"[^>]*\bId="([^"]+)"/g)) rels.set(m[2]!, m[1]!);
  const order = [...utf8(files.get("ppt/presentation.xml")).matchAll(/<p:sldId\b[^>]*\br:id="([^"]+)"/g)].map((m) => rels.get(m[1]!)).filter((t): t is string => !!t).map((t) => posix.normalize(posix.join("ppt", t)));
  const slides = order.length ? order : [...files.keys()].filter((n) => /^ppt\/slides\/slide\d+\.xml$/.test(n)).sort((a, b) => Number(/(\d+)\.xml$/.exec(a)![1]) - Number(/(\d+)\.xml$/.exec(b)![1]));
  const pages: PdfPage[] = [];
  slides.forEach((slide, i) => {
    const text = xmlParagraphs(markTitles(utf8(files.get(slide))), { para: ["a:p"], text: ["a:t"], heading: (_n, a) => (a["prep-data-heading"] ? Number(a["prep-data-heading"]) : undefined) });
    // The slide's notes, through its own relationships.
    const relsOf = utf8(files.get(slide.replace(/slides\/(slide\d+\.xml)$/, "slides/_rels/$1.rels")));
    const notesTarget = /Target="([^"]*notesSlide\d+\.xml)"/.exec(relsOf)?.[1];
    const notesPath = notesTarget ? posix.normalize(posix.join(posix.dirname(slide), notesTarget)) : undefined;
    const notes = notesPath ? xmlParagraphs(utf8(files.get(notesPath)), { para: ["a:p"], text: ["a:t"] }).filter((p) => !/^\d+$/.test(p)) : [];
    const all = [...text, ...(notes.length ? [`Notes: ${notes.join("\n")}`] : [])];
    if (all.length) pages.push({ type: "page", source: path, page: i + 1, text: all.join("\n\n") });
  });
  return pages;
}

/** Chapters in spine order (container.xml → the package document → its spine), each as Markdown. */
async function epub(path: string): Promise<PdfPage[]> {
  const files = await readArchive(path, (n) => /\.(xml|opf|x?html?)$/i.test(n));
  const container = utf8(files.get("META-INF/container.xml"));
  const opfPath = /full-path="([^"]+)"/.exec(container)?.[1];
  if (!opfPath || !files.has(opfPath)) throw new PrepError("no package document (META-INF/container.xml → .opf): not an EPUB", 1, "archive");
  const opf = utf8(files.get(opfPath));
  const base = posix.dirname(opfPath);
  const manifest = new Map<string, string>();
  for (const m of opf.matchAll(/<item\b[^>]*>/g)) {
    const id = /\bid="([^"]+)"/.exec(m[0])?.[1];
    const href = /\bhref="([^"]+)"/.exec(m[0])?.[1];
    if (id && href) manifest.set(id, posix.normalize(posix.join(base, decodeURIComponent(href))));
  }
  const spine = [...opf.matchAll(/<itemref\b[^>]*\bidref="([^"]+)"/g)].map((m) => manifest.get(m[1]!)).filter((p): p is string => !!p);
  const pages: PdfPage[] = [];
  spine.forEach((p, i) => {
    const html = utf8(files.get(p)).replace(/^[\s\S]*?<body[^>]*>/i, "").replace(/<\/body>[\s\S]*$/i, "");
    const md = htmlToMarkdown(html);
    if (md) pages.push({ type: "page", source: path, page: i + 1, text: md });
  });
  return pages;
}

/** A .docx, .pptx, .epub or .odt file as blocks for the chunker (a hostile or broken archive: a PrepError). */
export async function* officeBlocks(path: string): AsyncGenerator<PdfPage> {
  const kind = officeKind(path);
  const read = kind === "docx" ? docx : kind === "pptx" ? pptx : kind === "epub" ? epub : kind === "odt" ? odt : undefined;
  if (!read) throw new PrepError(`${path}: not a .docx, .pptx, .epub or .odt file`, 2);
  let pages: PdfPage[];
  try {
    pages = await read(path);
  } catch (e) {
    if (e instanceof PrepError) throw new PrepError(`${path}: ${e.message}`, e.exitCode, e.reason);
    throw new PrepError(`${path}: cannot be read as ${kind} (${(e as Error).message})`, 1, "file");
  }
  yield* pages;
}

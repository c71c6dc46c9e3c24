import { Parser } from "htmlparser2";
import { finding, type Finding } from "../record.js";
import type { PdfPage } from "../pdf/pages.js";
import { lineBatches } from "./lines.js";
import { openUtf8 } from "./open.js";

/** Lines per block handed to the chunker: memory stays at a block's worth whatever the file's size. */
const BLOCK_LINES = 200;

/**
 * A plain-text or Markdown file as blocks of lines for the chunker (each block a "page" numbered by its first line,
 * so a chunk's provenance is a line range). Blocks end at a blank line once they are long enough, so paragraphs stay
 * whole (and at 400 lines in any case). Invalid UTF-8 is a finding for its line; the line is left out.
 */
export async function* textBlocks(path: string, encoding?: string): AsyncGenerator<PdfPage | Finding> {
  let lines: string[] = [];
  let numbers: number[] = [];
  const flush = function* (): Generator<PdfPage> {
    // Blank lines at either end dropped; each remaining line's start marked with its number in the file.
    let a = 0;
    let b = lines.length;
    while (a < b && lines[a]!.trim() === "") a++;
    while (b > a && lines[b - 1]!.trim() === "") b--;
    if (a < b) {
      const marks: { at: number; n: number }[] = [];
      let at = 0;
      for (let i = a; i < b; i++) {
        marks.push({ at, n: numbers[i]! });
        at += lines[i]!.length + 1;
      }
      yield { type: "page", source: path, page: numbers[a]!, text: lines.slice(a, b).join("\n").trimEnd(), marks };
    }
    lines = [];
    numbers = [];
  };
  for await (const batch of lineBatches(await openUtf8(path, encoding))) {
    for (const l of batch) {
      if (l.invalid) {
        yield finding("encoding", `invalid UTF-8 at byte offset ${l.invalid.at} of the line; pass --encoding if the file is not UTF-8`, { source: path, line: l.n });
        continue;
      }
      lines.push(l.text);
      numbers.push(l.n);
      // At a blank line once the block is long enough; at twice that length in any case (a file without blank lines).
      if ((lines.length >= BLOCK_LINES && l.text.trim() === "") || lines.length >= 2 * BLOCK_LINES) yield* flush();
    }
  }
  yield* flush();
}

const BLOCK = new Set(["p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th", "thead", "tbody", "blockquote", "pre", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "form", "fieldset", "details", "summary", "address"]);
const SKIP = new Set(["script", "style", "noscript", "template", "head", "svg", "canvas", "iframe", "object"]);

/**
 * An HTML file as text with a real parser (htmlparser2, streamed): headings, paragraphs, list items and table cells
 * become paragraphs; scripts, styles and the head are dropped; entities are decoded and whitespace collapsed as a
 * browser would. Blocks of paragraphs go to the chunker numbered by their first paragraph.
 */
export async function* htmlBlocks(path: string, encoding?: string): AsyncGenerator<PdfPage | Finding> {
  const paragraphs: string[] = [];
  let current = "";
  let skipping = 0;
  let pre = 0;
  let para = 0;
  let firstPara = 1;
  const out: PdfPage[] = [];
  const endParagraph = () => {
    const t = pre ? current.replace(/^\n+|\n+$/g, "") : current.replace(/\s+/g, " ").trim();
    current = "";
    if (!t) return;
    if (paragraphs.length === 0) firstPara = para + 1;
    paragraphs.push(t);
    para++;
    if (paragraphs.length >= 50) out.push(block());
  };
  const block = (): PdfPage => {
    const marks: { at: number; n: number }[] = [];
    let at = 0;
    paragraphs.forEach((p, i) => {
      marks.push({ at, n: firstPara + i });
      at += p.length + 2;
    });
    return { type: "page", source: path, page: firstPara, text: paragraphs.splice(0).join("\n\n"), marks };
  };
  const parser = new Parser(
    {
      onopentag(name) {
        if (SKIP.has(name)) skipping++;
        else if (BLOCK.has(name)) endParagraph();
        if (name === "pre") pre++;
      },
      onclosetag(name) {
        if (SKIP.has(name)) skipping = Math.max(0, skipping - 1);
        else if (BLOCK.has(name)) endParagraph();
        if (name === "pre") pre = Math.max(0, pre - 1);
      },
      ontext(text) {
        if (!skipping) current += text;
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  const bytes = await openUtf8(path, encoding);
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of bytes as AsyncIterable<Buffer>) {
    parser.write(decoder.decode(chunk, { stream: true }));
    yield* out.splice(0);
  }
  parser.write(decoder.decode());
  parser.end();
  endParagraph();
  yield* out.splice(0);
  if (paragraphs.length) yield block();
}

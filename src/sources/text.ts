import { Parser } from "htmlparser2";
import { finding, PrepError, type Finding } from "../record.js";
import type { PdfPage } from "../pdf/pages.js";
import type { Heading } from "../structure/markdown.js";
import { lineBatches } from "./lines.js";
import { codePointName, CONTROL_CHARACTER } from "./encoding.js";
import { openBytes, openUtf8 } from "./open.js";


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
  let seen = 0;
  for await (const batch of lineBatches(await openUtf8(path, encoding))) {
    for (const l of batch) {
      // A NUL near the start (git's rule: the first 8,000 bytes) is a binary file, refused whole; control
      // characters later refuse their line (never written as text, never dropped silently).
      if (seen < 8000 && l.text.includes("\u0000")) throw new PrepError(`${path}: a NUL byte on line ${l.n}: a binary file, not text`, 1, "binary");
      if (l.invalid) {
        yield finding("encoding", `invalid UTF-8 at byte offset ${l.invalid.at} of the line; pass --encoding if the file is not UTF-8`, { source: path, line: l.n });
        seen += l.text.length + 1;
        continue;
      }
      const c = CONTROL_CHARACTER.exec(l.text);
      if (c) {
        yield finding("control-characters", `${codePointName(c[0])} at character ${c.index}: control characters are not text; the line is left out`, { source: path, line: l.n, rangeUnit: "lines" });
        seen += l.text.length + 1;
        continue;
      }
      seen += l.text.length + 1;
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
  const continued: boolean[] = [];
  const levels: number[] = []; // a paragraph's heading level (h1–h6), 0 for other text
  let heading = 0;
  let held = 0;
  let current = "";
  let skipping = 0;
  let pre = 0;
  let para = 0;
  let firstPara = 1;
  const out: (PdfPage | Finding)[] = [];
  // A paragraph still open when this much text has come is cut (at its last space, if one is near): one 500 MB text
  // node aborted V8, and 20 M entities (one callback each) held 2.8 GB. The pieces keep the paragraph's number.
  let open = false; // the paragraph being read was cut: its next piece is not a new paragraph
  const endParagraph = (cut = false) => {
    let t = pre ? current.replace(/^\n+|\n+$/g, "") : current.replace(/\s+/g, " ").trim();
    current = "";
    if (cut) {
      const space = t.lastIndexOf(" ");
      if (space > t.length - 4096) {
        current = t.slice(space + 1);
        t = t.slice(0, space);
      }
    }
    if (t) {
      if (paragraphs.length === 0) firstPara = open ? para : para + 1;
      paragraphs.push(t);
      continued.push(open);
      levels.push(heading);
      held += t.length;
      if (!open) para++;
    }
    open = cut && (t !== "" || open);
    if (paragraphs.length >= 50 || held >= MAX_BLOCK_CHARS) out.push(block());
  };
  const block = (): PdfPage => {
    const marks: { at: number; n: number }[] = [];
    const headings: Heading[] = [];
    let at = 0;
    let n = firstPara - 1;
    paragraphs.forEach((p, i) => {
      if (!continued[i] || i === 0) n = i === 0 ? firstPara : n + 1;
      marks.push({ at, n });
      if (levels[i] && !continued[i]) headings.push({ at, level: levels[i]!, title: p });
      at += p.length + 2;
    });
    continued.length = 0;
    levels.length = 0;
    held = 0;
    return { type: "page", source: path, page: firstPara, text: paragraphs.splice(0).join("\n\n"), marks, ...(headings.length ? { structure: { headings } } : {}) };
  };
  let flattened = false;
  const parser = new Parser(
    {
      onopentag(name) {
        if (SKIP.has(name)) skipping++;
        else if (BLOCK.has(name)) endParagraph();
        if (name === "pre") pre++;
        if (/^h[1-6]$/.test(name) && !skipping) heading = Number(name[1]);
      },
      onclosetag(name) {
        if (SKIP.has(name)) skipping = Math.max(0, skipping - 1);
        else if (BLOCK.has(name)) endParagraph();
        if (name === "pre") pre = Math.max(0, pre - 1);
        if (/^h[1-6]$/.test(name)) heading = 0;
      },
      ontext(text) {
        if (skipping) return;
        current += text;
        if (current.length >= MAX_PARAGRAPH_CHARS) endParagraph(true);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  boundDepth(parser, () => {
    if (flattened) return;
    flattened = true;
    out.push(finding("html-depth", `elements nested deeper than ${MAX_HTML_DEPTH} (first at character ${parser.startIndex.toLocaleString("en-US")}): the deeper ones are read as siblings, as browsers do; their text is kept`, { source: path }, "warning"));
  });
  const { bytes, decoder, charset } = await htmlDecoder(path, encoding);
  let at = 0;
  const decode = (chunk?: Buffer) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new PrepError(`${path}: invalid UTF-8 in bytes ${at}-${at + (chunk?.length ?? 0)}${charset ? "" : " (the page declares no charset)"}; pass --encoding with the page's real encoding (latin1, windows-1252, …)`, 1, "encoding");
    }
  };
  for await (const chunk of bytes as AsyncIterable<Buffer>) {
    parser.write(decode(chunk));
    at += chunk.length;
    yield* out.splice(0);
  }
  parser.write(decode());
  parser.end();
  endParagraph();
  yield* out.splice(0);
  if (paragraphs.length) yield block();
}

/** Browsers' bound on element depth (Blink's kMaximumHTMLParserDOMTreeDepth): deeper elements become siblings. */
export const MAX_HTML_DEPTH = 512;
/** A paragraph is cut into pieces of about this many characters. */
const MAX_PARAGRAPH_CHARS = 1 << 20;
/** Paragraphs held before they go to the chunker as one block. */
const MAX_BLOCK_CHARS = 1 << 20;

/**
 * Keep htmlparser2's open-element stack at most {@link MAX_HTML_DEPTH} deep: before a new element opens at that
 * depth, the innermost one is closed (with its close event, so skipped and <pre> elements stay counted), as browsers
 * do. htmlparser2 keeps the stack with unshift/shift, so each element cost time proportional to the depth: 400,000
 * nested <div>s took 144 s. It has no option for this; its (private) emitOpenTag and popElement are wrapped, and a
 * test fails if a new version renames them.
 */
function boundDepth(parser: Parser, onFlatten: () => void): void {
  const p = parser as unknown as { stack: string[]; emitOpenTag: (name: string) => void; popElement: (implied: boolean) => void; isVoidElement: (name: string) => boolean };
  if (typeof p.emitOpenTag !== "function" || typeof p.popElement !== "function" || !Array.isArray(p.stack)) throw new Error("htmlparser2 changed: emitOpenTag/popElement/stack are gone (see boundDepth)");
  const emit = p.emitOpenTag.bind(p);
  p.emitOpenTag = (name: string) => {
    if (p.stack.length >= MAX_HTML_DEPTH && !p.isVoidElement(name)) {
      onFlatten();
      p.popElement(true);
    }
    emit(name);
  };
}

/** Charsets a page may declare that mean one of TextDecoder's single-byte tables (WHATWG: ISO-8859-1 is windows-1252). */
const CHARSET_ALIASES: Record<string, string> = { "iso-8859-1": "windows-1252", latin1: "windows-1252", "us-ascii": "windows-1252", ascii: "windows-1252" };

/**
 * How an HTML file's bytes become text, as a browser decides it (WHATWG encoding sniffing, simplified): a byte-order
 * mark; else `--encoding`; else the `<meta charset>` or `http-equiv` content-type in the first 1,024 bytes; else
 * UTF-8. UTF-8 is decoded strictly: invalid bytes are an `encoding` finding, never replaced with U+FFFD.
 */
async function htmlDecoder(path: string, encoding?: string): Promise<{ bytes: AsyncIterable<Buffer>; decoder: TextDecoder; charset?: string }> {
  if (encoding !== undefined) return { bytes: (await openUtf8(path, encoding)) as AsyncIterable<Buffer>, decoder: new TextDecoder("utf-8", { fatal: true }), charset: encoding };
  const raw = await openBytes(path);
  const it = (raw as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const first = await it.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  const rest = (async function* () {
    if (!first.done) yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  })();
  if (head[0] === 0xff && head[1] === 0xfe) return { bytes: rest, decoder: new TextDecoder("utf-16le"), charset: "utf-16le" };
  if (head[0] === 0xfe && head[1] === 0xff) return { bytes: rest, decoder: new TextDecoder("utf-16be"), charset: "utf-16be" };
  const prescan = head.subarray(0, 1024).toString("latin1");
  const m = /<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(prescan);
  const declared = m?.[1]?.toLowerCase();
  if (declared && declared !== "utf-8" && declared !== "utf8") {
    const label = CHARSET_ALIASES[declared] ?? declared;
    try {
      return { bytes: rest, decoder: new TextDecoder(label), charset: declared };
    } catch {
      throw new PrepError(`${path}: the page declares charset ${declared}, which this Node.js cannot decode; convert it to UTF-8 (iconv -f ${declared} -t UTF-8)`, 1, "encoding");
    }
  }
  return { bytes: rest, decoder: new TextDecoder("utf-8", { fatal: true }), charset: declared };
}

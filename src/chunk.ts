import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import type { Finding } from "./record.js";
import { joinHyphenated } from "./pdf/clean.js";
import type { PdfPage } from "./pdf/pages.js";
import type { TokenCounter } from "./tokens/index.js";

export interface ChunkOptions {
  /** Target chunk length, in `unit`s. */
  size: number;
  /** Overlap between consecutive chunks, in `unit`s. */
  overlap: number;
  unit: "tokens" | "chars";
  /** Hard maximum in tokens: a longer chunk is split again, never truncated. */
  maxTokens: number;
  counter: TokenCounter;
}

/** A chunk of document text with where it came from. */
export interface Chunk {
  type: "chunk";
  text: string;
  source: string;
  /** First and last page (1-based) the chunk draws on. */
  pages: [number, number];
  tokens: number;
}

// Paragraph → line → sentence → clause → word → character.
const SEPARATORS = ["\n\n", "\n", ". ", "。", "! ", "? ", "！", "？", "; ", "；", ", ", "，", " ", ""];

function splitter(size: number, overlap: number, length: (t: string) => number): RecursiveCharacterTextSplitter {
  return new RecursiveCharacterTextSplitter({ chunkSize: size, chunkOverlap: overlap, separators: SEPARATORS, keepSeparator: true, lengthFunction: length });
}

/**
 * Chunks of about `size` with real overlap, built on @langchain/textsplitters, across page boundaries (re-joining a
 * word hyphenated over a page break). Streams: only a few chunks' worth of text is held at a time.
 */
export async function* chunkPages(pages: AsyncIterable<PdfPage | Finding>, o: ChunkOptions): AsyncGenerator<Chunk | Finding> {
  const length = o.unit === "tokens" ? (t: string) => o.counter.count(t) : (t: string) => t.length;
  const main = splitter(o.size, o.overlap, length);
  // How much text to gather before splitting: several chunks, so each split has room to choose good boundaries.
  const gather = (o.unit === "tokens" ? o.size * 4 : o.size) * 4;

  let source: string | undefined;
  let buf = "";
  let starts: { at: number; page: number }[] = [];
  const compounds = new Set<string>();

  const pageAt = (offset: number) => {
    let p = starts[0]?.page ?? 1;
    for (const s of starts) if (s.at <= offset) p = s.page;
    return p;
  };

  async function* flush(final: boolean): AsyncGenerator<Chunk | Finding> {
    if (!buf.trim()) return;
    const parts = await main.splitText(buf);
    let from = 0;
    const located = parts.map((text) => {
      let at = buf.indexOf(text, from);
      if (at === -1) at = from;
      from = at + 1;
      return { text, at };
    });
    const emit = final ? located : located.slice(0, -1);
    for (const c of emit) yield* bounded(c.text, c.at);
    if (!final && located.length) {
      const keep = located[located.length - 1]!.at;
      const first = pageAt(keep);
      buf = buf.slice(keep);
      starts = [{ at: 0, page: first }, ...starts.filter((s) => s.at > keep).map((s) => ({ at: s.at - keep, page: s.page }))];
    }
  }

  async function* bounded(text: string, at: number): AsyncGenerator<Chunk | Finding> {
    const tokens = o.counter.count(text);
    if (tokens <= o.maxTokens) {
      yield { type: "chunk", text, source: source!, pages: [pageAt(at), pageAt(at + text.length - 1)], tokens };
      return;
    }
    // Over the hard maximum: split this chunk again by tokens, never truncate.
    const again = splitter(Math.max(1, Math.floor(o.maxTokens * 0.9)), 0, (t) => o.counter.count(t));
    let from = 0;
    for (const part of await again.splitText(text)) {
      let off = text.indexOf(part, from);
      if (off === -1) off = from;
      from = off + 1;
      yield* bounded(part, at + off);
    }
  }

  for await (const item of pages) {
    if (item.type === "finding") {
      yield item;
      continue;
    }
    if (item.source !== source) {
      if (source !== undefined) yield* flush(true);
      source = item.source;
      buf = "";
      starts = [];
    }
    const joined = buf ? joinHyphenated(buf, item.text, compounds) : undefined;
    if (joined !== undefined) {
      starts.push({ at: buf.length - 1, page: item.page });
      buf = joined;
    } else {
      if (buf) buf += "\n\n";
      starts.push({ at: buf.length, page: item.page });
      buf += item.text;
    }
    if (buf.length > gather) yield* flush(false);
  }
  if (source !== undefined) yield* flush(true);
}

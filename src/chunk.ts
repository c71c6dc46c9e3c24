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
  /** First and last page (1-based) the chunk draws on: lines or paragraphs where the pages carry marks. */
  pages: [number, number];
  tokens: number;
}

// Paragraph → line → sentence → clause → word → character.
const SEPARATORS = ["\n\n", "\n", ". ", "。", "! ", "? ", "！", "？", "; ", "；", ", ", "，", " ", ""];

function splitter(size: number, overlap: number, length: (t: string) => number): RecursiveCharacterTextSplitter {
  return new RecursiveCharacterTextSplitter({ chunkSize: size, chunkOverlap: overlap, separators: SEPARATORS, keepSeparator: true, lengthFunction: length });
}

const PUNCT = new Set([".", "!", "?", ";", ",", "。", "！", "？", "；", "，"]);

/**
 * Chunks of about `size` with real overlap, built on @langchain/textsplitters, across page boundaries (re-joining a
 * word hyphenated over a page break). The splitter cuts core chunks of `size - overlap` at paragraph, line,
 * sentence, clause, word boundaries (in that order of preference); each chunk then starts with the last ~`overlap`
 * of the one before, cut at a word boundary, so consecutive records always share text. Streams: only a few chunks'
 * worth of text is held at a time.
 */
export async function* chunkPages(pages: AsyncIterable<PdfPage | Finding>, o: ChunkOptions): AsyncGenerator<Chunk | Finding> {
  // The splitter measures the same pieces again and again (each level of its recursion, each merge): remember
  // counts for the text being split (cleared after each split, so memory stays bounded).
  const memo = new Map<string, number>();
  const count = (t: string) => {
    let n = memo.get(t);
    if (n === undefined) memo.set(t, (n = o.counter.count(t)));
    return n;
  };
  const length = o.unit === "tokens" ? count : (t: string) => t.length;
  const main = splitter(Math.max(1, o.size - o.overlap), 0, length);
  // How much text to gather before splitting: several chunks, so each split has room to choose good boundaries.
  const gather = (o.unit === "tokens" ? o.size * 4 : o.size) * 4;

  let source: string | undefined;
  let buf = "";
  let from = 0; // where text not yet split begins
  let prev: { at: number; end: number } | undefined; // the last core chunk emitted (for the next overlap)
  let starts: { at: number; page: number }[] = [];
  const compounds = new Set<string>();
  let lastText = ""; // the last page's text: where `buf` ends

  const pageAt = (offset: number) => {
    let p = starts[0]?.page ?? 1;
    for (const s of starts) if (s.at <= offset) p = s.page;
    return p;
  };

  // Characters per token of the last chunk emitted (counted anyway), to size the next overlap in characters.
  let charsPerToken = 4;

  /** Where the overlap taken from `core` starts: about `overlap` units before its end, at a word boundary. */
  const tailStart = (core: { at: number; end: number }): number => {
    if (o.overlap <= 0) return core.end;
    const chars = o.unit === "chars" ? o.overlap : Math.ceil(o.overlap * charsPerToken);
    let at = Math.max(core.at, core.end - chars);
    while (at > core.at && !/\s/.test(buf[at - 1]!)) at--;
    return at;
  };

  // The splitter is given at most this much at once: it holds every piece of what it is given (and the memo every
  // count), so one 40 MB line took 815 MB. The last piece of a window is split again with the next.
  const window = gather * 2;

  /** Split what has gathered, a window at a time; all of it when `final`. */
  async function* flush(final: boolean): AsyncGenerator<Chunk | Finding> {
    while (buf.length - from > window) {
      const before = buf.length - from;
      yield* split(false, window);
      if (buf.length - from >= before) break; // no progress (one piece filled the window): split it whole below
    }
    if (final || buf.length - from > gather) yield* split(final);
  }

  async function* split(final: boolean, limit?: number): AsyncGenerator<Chunk | Finding> {
    const text = limit === undefined ? buf.slice(from) : buf.slice(from, from + limit);
    if (!text.trim()) return;
    const parts = await main.splitText(text);
    memo.clear();
    // The splitter (overlap 0) returns its parts in order, each a piece of the text after the one before: each is
    // looked for from the previous part's end, so a part that repeats earlier text (a repeated sentence) is placed
    // where it is, not at its first occurrence (which made chunks overlap almost entirely).
    let search = from;
    const cores = parts.map((text) => {
      let at = buf.indexOf(text, search);
      if (at === -1) at = search;
      search = at + text.length;
      return { at, end: at + text.length };
    });
    // A separator kept at the start of a piece (". Next sentence") belongs to the end of the piece before it.
    for (let i = 1; i < cores.length; i++) {
      const c = cores[i]!;
      while (c.at < c.end && PUNCT.has(buf[c.at]!)) {
        c.at++;
        cores[i - 1]!.end = Math.max(cores[i - 1]!.end, c.at);
      }
      while (c.at < c.end && /\s/.test(buf[c.at]!)) c.at++;
    }
    const emit = final ? cores : cores.slice(0, -1);
    for (const core of emit) {
      if (core.at >= core.end) continue;
      const at = prev ? Math.min(core.at, tailStart(prev)) : core.at;
      const raw = buf.slice(at, core.end);
      yield* bounded(raw.trim(), at + raw.length - raw.trimStart().length);
      prev = core;
    }
    if (!final && cores.length) {
      const next = cores[cores.length - 1]!.at;
      const keep = Math.min(prev?.at ?? next, next);
      const first = pageAt(keep);
      buf = buf.slice(keep);
      from = next - keep;
      if (prev) prev = { at: prev.at - keep, end: prev.end - keep };
      starts = [{ at: 0, page: first }, ...starts.filter((s) => s.at > keep).map((s) => ({ at: s.at - keep, page: s.page }))];
    }
  }

  async function* bounded(text: string, at: number): AsyncGenerator<Chunk | Finding> {
    const tokens = o.counter.count(text);
    if (tokens > 0) charsPerToken = text.length / tokens;
    if (tokens <= o.maxTokens) {
      yield { type: "chunk", text, source: source!, pages: [pageAt(at), pageAt(at + text.length - 1)], tokens };
      return;
    }
    // Over the hard maximum: split this chunk again by tokens, never truncate.
    const again = splitter(Math.max(1, Math.floor(o.maxTokens * 0.9)), 0, (t) => o.counter.count(t));
    let off = 0;
    for (const part of await again.splitText(text)) {
      const found = text.indexOf(part, off);
      if (found !== -1) off = found;
      yield* bounded(part, at + off);
      off += part.length;
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
      from = 0;
      prev = undefined;
      starts = [];
      lastText = "";
    }
    const joined = buf && lastText.endsWith("-") ? joinHyphenated(buf, item.text, compounds) : undefined;
    lastText = item.text;
    if (joined !== undefined) {
      starts.push({ at: buf.length - 1, page: item.page });
      buf = joined;
    } else {
      if (buf) buf += "\n\n";
      starts.push({ at: buf.length, page: item.page });
      if (item.marks) for (const m of item.marks) if (m.at > 0) starts.push({ at: buf.length + m.at, page: m.n });
      buf += item.text;
    }
    if (buf.length - from > gather) yield* flush(false);
  }
  if (source !== undefined) yield* flush(true);
}

/**
 * One text (a long column value, a document) in chunks, as {@link chunkPages} cuts a page stream: a text within
 * `size` is one chunk as it is.
 */
export async function* chunkText(text: string, o: ChunkOptions): AsyncGenerator<{ text: string; tokens: number }> {
  const whole = o.unit === "tokens" ? o.counter.count(text) : text.length;
  if (whole <= o.size && (o.unit === "tokens" ? whole : o.counter.count(text)) <= o.maxTokens) {
    yield { text, tokens: o.unit === "tokens" ? whole : o.counter.count(text) };
    return;
  }
  async function* one(): AsyncGenerator<PdfPage> {
    yield { type: "page", source: "", page: 1, text };
  }
  for await (const c of chunkPages(one(), o)) if (c.type === "chunk") yield { text: c.text, tokens: c.tokens };
}

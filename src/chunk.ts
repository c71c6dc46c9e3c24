import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import type { Finding } from "./record.js";
import { joinHyphenated } from "./pdf/clean.js";
import type { PdfPage } from "./pdf/pages.js";
import type { TokenCounter } from "./tokens/index.js";
import { headingLabel, Outline } from "./structure/outline.js";

export interface ChunkOptions {
  /** Target chunk length, in `unit`s. */
  size: number;
  /** Overlap between consecutive chunks, in `unit`s. */
  overlap: number;
  unit: "tokens" | "chars";
  /** Hard maximum in tokens: a longer chunk is split again, never truncated. */
  maxTokens: number;
  counter: TokenCounter;
  /** Put each chunk's heading path (`# Guide > ## Install`) before its text, where the text has headings. */
  headingContext?: boolean;
}

/** A chunk of document text with where it came from. */
export interface Chunk {
  type: "chunk";
  text: string;
  source: string;
  /** First and last page (1-based) the chunk draws on: lines or paragraphs where the pages carry marks. */
  pages: [number, number];
  tokens: number;
  /** The heading path in force where the chunk starts (`["# Guide", "## Install"]`), where the text has headings. */
  headings?: string[];
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
  // Headings and tables of structured text: a heading starts a chunk where the size allows (sections that fit are
  // kept together, a longer one is cut within itself), a chunk that starts at a heading takes no overlap from the
  // section before, an overlap never starts inside a table row, and a chunk that starts inside a table repeats its
  // header. Text without structure (PDF pages, .txt) is cut exactly as before.
  const outline = new Outline();
  const coreSize = Math.max(1, o.size - o.overlap);

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
    if (outline.tableAt(at) && at > 0 && buf[at - 1] !== "\n") {
      // Never a part of a table row: the overlap starts at the next row.
      const nl = buf.indexOf("\n", at);
      at = nl === -1 || nl + 1 > core.end ? core.end : nl + 1;
    }
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
    const end = from + text.length;
    const cuts = outline.boundaries(from, end);
    const cores = cuts.length ? await sectionCores([from, ...cuts, end]) : await coresOf(from, text);
    const emit = final ? cores : cores.slice(0, -1);
    for (const core of emit) {
      if (core.at >= core.end) continue;
      const at = prev && !outline.headingAt(core.at) ? Math.min(core.at, tailStart(prev)) : core.at;
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
      outline.rebase(keep);
    }
  }

  /** The splitter's core pieces of `text` (which starts at `start` in the buffer), placed in the buffer. */
  async function coresOf(start: number, text: string): Promise<{ at: number; end: number }[]> {
    const parts = await main.splitText(text);
    memo.clear();
    // The splitter (overlap 0) returns its parts in order, each a piece of the text after the one before: each is
    // looked for from the previous part's end, so a part that repeats earlier text (a repeated sentence) is placed
    // where it is, not at its first occurrence (which made chunks overlap almost entirely).
    let search = start;
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
    return cores;
  }

  /**
   * Core pieces of the text between heading offsets (`edges`: from, each heading, end): each section cut on its own;
   * consecutive sections that each fit whole are joined while the join fits, so a chunk starts at a heading wherever
   * the sizes allow it.
   */
  async function sectionCores(edges: number[]): Promise<{ at: number; end: number }[]> {
    const out: { at: number; end: number; whole: boolean }[] = [];
    for (let i = 0; i + 1 < edges.length; i++) {
      const text = buf.slice(edges[i], edges[i + 1]);
      if (!text.trim()) continue;
      const cores = await coresOf(edges[i]!, text);
      // A heading cut off alone (its section's first paragraph is long) goes with the text after it: a chunk that
      // starts at a heading takes no overlap, so it has the whole size.
      if (cores.length > 1 && outline.headingAt(cores[0]!.at) && length(buf.slice(cores[0]!.at, cores[1]!.end)) <= o.size && !/\n\s*\S/.test(buf.slice(cores[0]!.at, cores[0]!.end).trim())) {
        cores[1]!.at = cores[0]!.at;
        cores.shift();
      }
      const whole = cores.length === 1;
      const last = out[out.length - 1];
      if (whole && last?.whole && length(buf.slice(last.at, cores[0]!.end)) <= coreSize) last.end = cores[0]!.end;
      else for (const c of cores) out.push({ ...c, whole });
    }
    memo.clear();
    return out;
  }

  async function* bounded(text: string, at: number, again = false): AsyncGenerator<Chunk | Finding> {
    // What a structured text adds before the chunk: its heading path (--heading-context), a table's header.
    const path = outline.empty ? [] : outline.pathAt(at);
    const context = o.headingContext ? (outline.headingAt(at) ? path.slice(0, -1) : path) : [];
    const table = outline.empty ? undefined : outline.tableAt(at);
    const prefix = (context.length ? `${context.map(headingLabel).join(" > ")}\n\n` : "") + (table && at >= table.bodyAt ? `${table.header}\n` : "");
    let full = prefix + text;
    let tokens = o.counter.count(full);
    if (tokens > o.maxTokens && again && prefix) {
      // Cut again and still over only by what was put before it: the chunk goes out as it is in the document.
      full = text;
      tokens = o.counter.count(text);
    }
    if (tokens > 0) charsPerToken = full.length / tokens;
    if (tokens <= o.maxTokens || again) {
      yield { type: "chunk", text: full, source: source!, pages: [pageAt(at), pageAt(at + text.length - 1)], tokens, ...(path.length ? { headings: path.map(headingLabel) } : {}) };
      return;
    }
    // Over the hard maximum: split this chunk again by tokens, never truncate.
    const room = Math.max(1, Math.floor(o.maxTokens * 0.9) - (prefix ? o.counter.count(prefix) : 0));
    const parts = splitter(room, 0, (t) => o.counter.count(t));
    let off = 0;
    for (const part of await parts.splitText(text)) {
      const found = text.indexOf(part, off);
      if (found !== -1) off = found;
      yield* bounded(part, at + off, true);
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
      outline.reset();
      lastText = "";
    }
    const joined = buf && !item.structure && lastText.endsWith("-") ? joinHyphenated(buf, item.text, compounds) : undefined;
    lastText = item.text;
    if (joined !== undefined) {
      starts.push({ at: buf.length - 1, page: item.page });
      buf = joined;
    } else {
      if (buf) buf += "\n\n";
      starts.push({ at: buf.length, page: item.page });
      if (item.marks) for (const m of item.marks) if (m.at > 0) starts.push({ at: buf.length + m.at, page: m.n });
      if (item.structure) outline.add(buf.length, item.structure);
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

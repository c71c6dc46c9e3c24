import { DEFAULT_PAGE_LIMITS, type PageLimits } from "./document.js";
import { InProcessExtractor, WorkerExtractor, type ExtractedPage, type Extractor, type PdfSource } from "./pool.js";

/**
 * Documents of up to this many pages are read whole by one thread (or, when not read ahead, by this thread too);
 * longer ones only by the workers, each holding its own parse: pdf.js caches every object it reads for the
 * document's life, ~30 KB a page served, so a 2,415-page manual costs ~150 MB in every thread that opens it.
 */
export const SHARED_PAGES = 800;
/** Documents read ahead of the one being chunked, at most. */
export const AHEAD_DOCS = 8;
/** Characters of page text read ahead and not yet taken, beyond which no further page is read ahead. */
export const AHEAD_CHARS = 4 * 1024 * 1024;
/** Pages in flight on the thread reading a document whole. */
const WHOLE_WIDTH = 2;

interface Thread {
  ex: Extractor;
  /** Pages asked of it and not yet answered. */
  inflight: number;
  /** The document it is reading whole, if any. */
  whole?: number;
}

/** A document read ahead by one thread: its page count, and its pages until they are taken. */
interface Whole {
  thread: Thread;
  numPages: Promise<number>;
  pages: (Promise<ExtractedPage | Error> | undefined)[];
  /** Characters of each page read and not yet taken. */
  held: Map<number, number>;
  /** Taken by the caller (or refused): no further page is read. */
  closed: boolean;
  /** Too long to read whole (or over `maxPages`): it is opened by all threads when its turn comes. */
  long: boolean;
  /** The thread is done with it (every page read, or stopped) and has closed it. */
  done: Promise<void>;
}

const TAKEN: Promise<ExtractedPage | Error> = Promise.resolve(new Error("page already taken"));

/**
 * pdf.js on `jobs` threads (this one and `jobs − 1` workers). A run of several files reads the documents after the
 * current one ahead, each whole by a single thread, while this thread chunks (told of them by {@link prefetch}): every
 * document is parsed, and its fonts loaded, once. A document not read ahead (the first, stdin, S3, one over
 * {@link SHARED_PAGES} pages) is read by all threads at once, its pages to the least busy, each thread holding its own
 * parse. Memory stays bounded however far ahead that is: {@link AHEAD_DOCS} documents and {@link AHEAD_CHARS} of text.
 */
export class AheadExtractor implements Extractor {
  readonly width: number;
  readonly aheadDocs: number;
  private readonly threads: Thread[];
  private readonly wholes = new Map<number, Whole>();
  private readonly split = new Map<number, Thread[]>();
  private readonly queued = new Map<number, { src: PdfSource; passwords?: string[] }>();
  private readonly sharedPages: number;
  private readonly maxPages: number;
  private readonly aheadChars: number;
  private heldChars = 0;
  /** The document last opened by the caller: it is read at full speed whatever is held. */
  private current = -1;
  private waiting: (() => void)[] = [];

  constructor(jobs: number, opts: { sharedPages?: number; maxPages?: number; limits?: PageLimits; aheadDocs?: number; aheadChars?: number } = {}) {
    const limits = opts.limits ?? DEFAULT_PAGE_LIMITS;
    this.sharedPages = opts.sharedPages ?? SHARED_PAGES;
    this.maxPages = opts.maxPages ?? Infinity;
    this.aheadDocs = opts.aheadDocs ?? AHEAD_DOCS;
    this.aheadChars = opts.aheadChars ?? AHEAD_CHARS;
    this.threads = [{ ex: new InProcessExtractor(limits), inflight: 0 }, ...Array.from({ length: Math.max(1, jobs - 1) }, () => ({ ex: new WorkerExtractor(1, limits), inflight: 0 }))];
    this.width = jobs * 3;
  }

  /** Characters of page text read ahead and not yet taken. */
  get heldCharacters(): number {
    return this.heldChars;
  }

  /** A document the caller will open later (a local file that passed the bomb check): read it ahead when a thread is free. */
  prefetch(doc: number, src: PdfSource, passwords?: string[]): void {
    if (doc <= this.current || this.wholes.has(doc) || this.queued.has(doc)) return;
    this.queued.set(doc, { src, passwords });
    this.pump();
  }

  async open(doc: number, src: PdfSource, passwords?: string[]): Promise<number> {
    this.current = doc;
    for (const d of this.queued.keys()) if (d <= doc) this.queued.delete(d);
    this.wake();
    const w = this.wholes.get(doc);
    if (w) {
      try {
        const n = await w.numPages;
        if (!w.long) return n;
      } catch (e) {
        this.forget(doc, w);
        throw e;
      }
      await w.done;
      this.forget(doc, w);
    }
    return this.openSplit(doc, src, passwords);
  }

  async page(doc: number, page: number): Promise<ExtractedPage> {
    const w = this.wholes.get(doc);
    if (!w) return this.splitPage(doc, page);
    const r = await this.request(doc, w, page);
    const c = w.held.get(page);
    if (c !== undefined) {
      w.held.delete(page);
      this.heldChars -= c;
      this.wake();
    }
    w.pages[page] = TAKEN;
    if (r instanceof Error) throw r;
    return r;
  }

  async close(doc: number): Promise<void> {
    const w = this.wholes.get(doc);
    if (w) return this.forget(doc, w);
    const ts = this.split.get(doc) ?? [];
    this.split.delete(doc);
    await Promise.all(ts.map((t) => t.ex.close(doc)));
  }

  async end(): Promise<void> {
    for (const [doc, w] of this.wholes) this.forget(doc, w);
    this.queued.clear();
    await Promise.all(this.threads.map((t) => t.ex.end()));
  }

  /** The caller is done with a document read whole: its held pages are dropped and reading it stops. */
  private forget(doc: number, w: Whole): void {
    this.wholes.delete(doc);
    w.closed = true;
    for (const c of w.held.values()) this.heldChars -= c;
    w.held.clear();
    w.pages = [];
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const r of w) r();
    this.pump();
  }

  /** Start reading queued documents, in order, on free threads (the workers first: this thread also chunks). */
  private pump(): void {
    while (this.queued.size && this.wholes.size < this.aheadDocs && this.heldChars < this.aheadChars) {
      const t = [...this.threads.slice(1), this.threads[0]!].find((x) => x.whole === undefined);
      if (!t) return;
      const doc = Math.min(...this.queued.keys());
      const { src, passwords } = this.queued.get(doc)!;
      this.queued.delete(doc);
      t.whole = doc;
      const w: Whole = { thread: t, numPages: t.ex.open(doc, src, passwords), pages: [], held: new Map(), closed: false, long: false, done: Promise.resolve() };
      w.numPages.catch(() => undefined);
      w.done = this.readWhole(doc, w)
        .catch(() => undefined) // a failed close in the thread: the caller's pages already say what went wrong
        .finally(() => {
          t.whole = undefined;
          this.pump();
        });
      this.wholes.set(doc, w);
    }
  }

  private async readWhole(doc: number, w: Whole): Promise<void> {
    let n: number;
    try {
      n = await w.numPages;
    } catch {
      return; // not open in the thread; the caller's open() throws why
    }
    if (n > this.sharedPages || n > this.maxPages) w.long = true;
    const reading: Promise<unknown>[] = [];
    for (let p = 1; p <= n && !w.long; p++) {
      while (!w.closed && doc !== this.current && this.heldChars >= this.aheadChars) await new Promise<void>((r) => this.waiting.push(r));
      if (w.closed) break;
      reading.push(this.request(doc, w, p));
      if (reading.length >= WHOLE_WIDTH) await reading.shift();
    }
    if (!w.closed) await Promise.all(reading);
    await w.thread.ex.close(doc);
  }

  /** A page of a document read whole: the one asked already, or asked now of its thread. */
  private request(doc: number, w: Whole, page: number): Promise<ExtractedPage | Error> {
    let got = w.pages[page];
    if (!got) {
      got = this.onThread(w.thread, doc, page).then(
        (r) => {
          if (!w.closed) {
            const c = r.lines.reduce((a, l) => a + l.text.length, 0);
            w.held.set(page, c);
            this.heldChars += c;
          }
          return r;
        },
        (e: Error) => e,
      );
      w.pages[page] = got;
    }
    return got;
  }

  private async openSplit(doc: number, src: PdfSource, passwords?: string[]): Promise<number> {
    const workers = this.threads.slice(1);
    const opened = await Promise.allSettled(workers.map((t) => t.ex.open(doc, src, passwords)));
    const failed = opened.find((r) => r.status === "rejected");
    if (failed) {
      await Promise.all(workers.filter((_, i) => opened[i]!.status === "fulfilled").map((t) => t.ex.close(doc)));
      throw (failed as PromiseRejectedResult).reason;
    }
    const n = (opened[0] as PromiseFulfilledResult<number>).value;
    const ts = [...workers];
    if (n <= this.sharedPages) {
      await this.threads[0]!.ex.open(doc, src, passwords);
      ts.unshift(this.threads[0]!);
    }
    this.split.set(doc, ts);
    return n;
  }

  /** This thread also assembles and chunks the pages: it gets one only when it has fewer in flight than the workers. */
  private splitPage(doc: number, page: number): Promise<ExtractedPage> {
    const ts = this.split.get(doc)!;
    const local = ts[0] === this.threads[0] ? ts[0] : undefined;
    const workers = local ? ts.slice(1) : ts;
    const load = workers.reduce((a, t) => a + t.inflight, 0) / workers.length;
    const t = local && local.inflight < load ? local : workers.reduce((a, b) => (b.inflight < a.inflight ? b : a));
    return this.onThread(t, doc, page);
  }

  private async onThread(t: Thread, doc: number, page: number): Promise<ExtractedPage> {
    t.inflight++;
    try {
      return await t.ex.page(doc, page);
    } finally {
      t.inflight--;
    }
  }
}

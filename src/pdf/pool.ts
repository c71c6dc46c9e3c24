import { workerScript } from "../worker-script.js";
import { Worker } from "node:worker_threads";
import { DEFAULT_PAGE_LIMITS, openPdf, pageLines, PageLimitError, PdfOpenError, type OpenedPdf, type PageLimits } from "./document.js";
import type { PageLine } from "./lines.js";
import type { WorkerReply, WorkerRequest } from "./worker.js";
import { WorkerChannel, WorkerGone } from "../workers/channel.js";

/** A page's lines and its page object's reference. */
export interface ExtractedPage {
  lines: PageLine[];
  ref?: string;
}

/** A PDF to open: a local file, or its bytes (stdin, S3). */
export type PdfSource = { path?: string; data?: Uint8Array };

/** Where page text is extracted: in this thread, or in a pool of worker threads. */
export interface Extractor {
  open(doc: number, src: PdfSource, passwords?: string[]): Promise<number>;
  page(doc: number, page: number): Promise<ExtractedPage>;
  close(doc: number): Promise<void>;
  /** How many pages to keep in flight. */
  readonly width: number;
  end(): Promise<void>;
  /** Documents it reads ahead: the caller tells it of up to this many after the one it opens ({@link prefetch}). */
  readonly aheadDocs?: number;
  /** A document that will be opened soon, to read ahead (a local file that passed the bomb check). */
  prefetch?(doc: number, src: PdfSource, passwords?: string[]): void;
}

export class InProcessExtractor implements Extractor {
  readonly width = 2;
  private docs = new Map<number, OpenedPdf>();
  constructor(private readonly limits: PageLimits = DEFAULT_PAGE_LIMITS) {}
  async open(doc: number, src: { path?: string; data?: Uint8Array }, passwords?: string[]): Promise<number> {
    const d = await openPdf(src, passwords);
    this.docs.set(doc, d);
    return d.numPages;
  }
  page(doc: number, page: number): Promise<ExtractedPage> {
    return pageLines(this.docs.get(doc)!, page, this.limits);
  }
  async close(doc: number): Promise<void> {
    await this.docs.get(doc)?.close();
    this.docs.delete(doc);
  }
  async end(): Promise<void> {
    for (const d of this.docs.keys()) await this.close(d);
  }
}


interface Slot {
  channel: WorkerChannel<WorkerReply>;
  inflight: number;
}

/**
 * V8 heap of a pdf.js worker. Without limits a worker's heap grew with the document: V8 lets the old generation grow
 * up to 4× what survived the last full collection when the heap may grow to gigabytes, and a new space of 32 MB.
 * A 1,024 MB ceiling makes it collect sooner (V8 scales that factor down for heaps of up to 2 GB) and 16 MB of young
 * generation suffice (as in the validate and dedup workers). Measured at -j 2, with documents renewed every 300
 * pages (renewing.ts): the R manual peaked at 313–322 MB (363–395 MB before), Free Culture at 262 MB (300 MB), the
 * bench's 15-file corpus at 357 MB (449 MB); a ceiling of 2,048 MB or none gave 437–466 MB on the R manual. A page
 * within the default --max-page-chars needs far less (its text items are at most ~500 MB at one character each);
 * PREP_DATA_PDF_WORKER_HEAP_MB sets another ceiling.
 */
export function workerLimits(): { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number } {
  const mb = Number(process.env.PREP_DATA_PDF_WORKER_HEAP_MB);
  return { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: Number.isInteger(mb) && mb > 0 ? mb : 1024 };
}

/** Worker threads, each opening every document, pages handed to the least busy one. */
export class WorkerExtractor implements Extractor {
  private slots: Slot[];
  readonly width: number;
  constructor(
    jobs: number,
    private readonly limits: PageLimits = DEFAULT_PAGE_LIMITS,
  ) {
    this.width = jobs * 3;
    this.slots = Array.from({ length: jobs }, () => this.spawn());
  }

  private spawn(): Slot {
    const limits = workerLimits();
    const worker = new Worker(workerScript("pdf/worker.js", import.meta.url), { resourceLimits: limits });
    const key = (r: WorkerReply) => (r.type === "page" || r.type === "page-error" ? `p${r.doc}:${r.page}` : `o${r.doc}`);
    return { channel: new WorkerChannel(worker, key, { what: "pdf.js thread", heapMb: limits.maxOldGenerationSizeMb }), inflight: 0 };
  }

  /**
   * A thread that ends (over its heap ceiling, or a crash) answers what it was asked, and whatever it is asked later,
   * with why: its pages fail and its document is refused, never waited for. The next document gets a new thread
   * (open).
   */
  private ask(slot: Slot, key: string, m: WorkerRequest): Promise<WorkerReply> {
    return slot.channel.ask(key, m).catch((e: unknown) => {
      if (!(e instanceof WorkerGone)) throw e;
      const message = e.memory ? `${e.message}; PREP_DATA_PDF_WORKER_HEAP_MB sets it` : e.message;
      if (m.type === "open") return { type: "open-error", doc: m.doc, message, kind: e.memory ? "limit" : "unreadable" } satisfies WorkerReply;
      return { type: "page-error", doc: m.doc, page: m.type === "page" ? m.page : -1, message, limit: e.memory } satisfies WorkerReply;
    });
  }

  async open(doc: number, src: { path?: string; data?: Uint8Array }, passwords?: string[]): Promise<number> {
    this.slots = this.slots.map((s) => (s.channel.gone ? this.spawn() : s));
    const replies = await Promise.all(this.slots.map((s) => this.ask(s, `o${doc}`, { type: "open", doc, ...src, passwords })));
    const bad = replies.find((r) => r.type === "open-error");
    if (bad && bad.type === "open-error") throw new PdfOpenError(bad.message, bad.kind as PdfOpenError["kind"]);
    return (replies[0] as { numPages: number }).numPages;
  }

  async page(doc: number, page: number): Promise<ExtractedPage> {
    const slot = this.slots.reduce((a, b) => (b.inflight < a.inflight ? b : a));
    slot.inflight++;
    try {
      const r = await this.ask(slot, `p${doc}:${page}`, { type: "page", doc, page, limits: this.limits });
      if (r.type === "page") return { lines: r.lines, ref: r.ref };
      if (r.type === "page-error" && r.limit) throw new PageLimitError(r.message);
      throw new Error(r.type === "page-error" ? r.message : "unexpected reply");
    } finally {
      slot.inflight--;
    }
  }

  async close(doc: number): Promise<void> {
    for (const s of this.slots) s.channel.tell({ type: "close", doc } satisfies WorkerRequest);
  }

  async end(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.channel.end()));
  }
}

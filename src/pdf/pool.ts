import { workerScript } from "../worker-script.js";
import { Worker } from "node:worker_threads";
import { DEFAULT_PAGE_LIMITS, openPdf, pageLines, PageLimitError, PdfOpenError, type OpenedPdf, type PageLimits } from "./document.js";
import type { PageLine } from "./lines.js";

/** A page's lines and its page object's reference. */
export interface ExtractedPage {
  lines: PageLine[];
  ref?: string;
}
import type { WorkerReply, WorkerRequest } from "./worker.js";

/** Where page text is extracted: in this thread, or in a pool of worker threads. */
export interface Extractor {
  open(doc: number, src: { path?: string; data?: Uint8Array }, passwords?: string[]): Promise<number>;
  page(doc: number, page: number): Promise<ExtractedPage>;
  close(doc: number): Promise<void>;
  /** How many pages to keep in flight. */
  readonly width: number;
  end(): Promise<void>;
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
  worker: Worker;
  inflight: number;
  waiting: Map<string, { resolve: (r: WorkerReply) => void }>;
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
    this.slots = Array.from({ length: jobs }, () => {
      const worker = new Worker(workerScript("pdf/worker.js", import.meta.url));
      const slot: Slot = { worker, inflight: 0, waiting: new Map() };
      worker.on("message", (r: WorkerReply) => {
        const key = r.type === "page" || r.type === "page-error" ? `p${r.doc}:${r.page}` : `o${r.doc}`;
        const w = slot.waiting.get(key);
        slot.waiting.delete(key);
        w?.resolve(r);
      });
      worker.on("error", (e: Error) => {
        for (const w of slot.waiting.values()) w.resolve({ type: "page-error", doc: -1, page: -1, message: `worker failed: ${e.message}` });
        slot.waiting.clear();
      });
      return slot;
    });
  }

  private ask(slot: Slot, key: string, m: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve) => {
      slot.waiting.set(key, { resolve });
      slot.worker.postMessage(m);
    });
  }

  async open(doc: number, src: { path?: string; data?: Uint8Array }, passwords?: string[]): Promise<number> {
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
    for (const s of this.slots) s.worker.postMessage({ type: "close", doc } satisfies WorkerRequest);
  }

  /** Pages in flight per worker, on average. */
  get load(): number {
    return this.slots.reduce((n, s) => n + s.inflight, 0) / this.slots.length;
  }

  async end(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

const SHARED_PAGES = 800;

/**
 * `jobs - 1` worker threads, and this thread too for documents of up to `sharedPages` pages. Every thread holding a
 * document keeps its own pdf.js and its own parse of it, which grows by ~30 KB per page served (pdf.js caches every
 * object it reads for the document's life): a 2,415-page manual costs ~150 MB in each. Short documents are
 * extracted by both (this thread is otherwise idle half the time); long ones by the workers alone, while this
 * thread chunks.
 */
export class MixedExtractor implements Extractor {
  private local: InProcessExtractor;
  private workers: WorkerExtractor;
  private localInflight = 0;
  private shared = new Set<number>();
  readonly width: number;

  private readonly sharedPages: number;

  constructor(jobs: number, sharedPages?: number, limits: PageLimits = DEFAULT_PAGE_LIMITS) {
    this.sharedPages = sharedPages ?? SHARED_PAGES;
    this.local = new InProcessExtractor(limits);
    this.workers = new WorkerExtractor(jobs - 1, limits);
    this.width = jobs * 3;
  }

  async open(doc: number, src: { path?: string; data?: Uint8Array }, passwords?: string[]): Promise<number> {
    const n = await this.workers.open(doc, src, passwords);
    if (n <= this.sharedPages) {
      await this.local.open(doc, src, passwords);
      this.shared.add(doc);
    }
    return n;
  }

  async page(doc: number, page: number): Promise<ExtractedPage> {
    // This thread also assembles and chunks the pages: give it a page only when it has fewer in flight.
    if (this.shared.has(doc) && this.localInflight < this.workers.load) {
      this.localInflight++;
      try {
        return await this.local.page(doc, page);
      } finally {
        this.localInflight--;
      }
    }
    return this.workers.page(doc, page);
  }

  async close(doc: number): Promise<void> {
    if (this.shared.delete(doc)) await this.local.close(doc);
    await this.workers.close(doc);
  }

  async end(): Promise<void> {
    await Promise.all([this.local.end(), this.workers.end()]);
  }
}

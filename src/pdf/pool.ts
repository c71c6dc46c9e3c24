import { workerScript } from "../worker-script.js";
import { Worker } from "node:worker_threads";
import { DEFAULT_PAGE_LIMITS, openPdf, pageLines, PageLimitError, PdfOpenError, type OpenedPdf, type PageLimits } from "./document.js";
import type { PageLine } from "./lines.js";
import type { WorkerReply, WorkerRequest } from "./worker.js";

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

  async end(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

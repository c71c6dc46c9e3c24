// A worker thread that extracts page lines for the main thread: one open document per file at a time.
import { parentPort } from "node:worker_threads";
import { openPdf, pageLines, PageLimitError, PdfOpenError, type OpenedPdf, type PageLimits } from "./document.js";

export type WorkerRequest =
  | { type: "open"; doc: number; path?: string; data?: Uint8Array; passwords?: string[] }
  | { type: "page"; doc: number; page: number; limits: PageLimits }
  | { type: "close"; doc: number };

export type WorkerReply =
  | { type: "opened"; doc: number; numPages: number }
  | { type: "open-error"; doc: number; message: string; kind: string }
  | { type: "page"; doc: number; page: number; lines: import("./lines.js").PageLine[]; ref?: string }
  | { type: "page-error"; doc: number; page: number; message: string; limit?: boolean };

const docs = new Map<number, Promise<OpenedPdf>>();

parentPort!.on("message", async (m: WorkerRequest) => {
  if (m.type === "open") {
    const p = openPdf({ path: m.path, data: m.data }, m.passwords);
    docs.set(m.doc, p);
    try {
      const d = await p;
      parentPort!.postMessage({ type: "opened", doc: m.doc, numPages: d.numPages } satisfies WorkerReply);
    } catch (e) {
      docs.delete(m.doc);
      const err = e instanceof PdfOpenError ? e : new PdfOpenError(String(e), "unreadable");
      parentPort!.postMessage({ type: "open-error", doc: m.doc, message: err.message, kind: err.kind } satisfies WorkerReply);
    }
  } else if (m.type === "page") {
    try {
      const d = await docs.get(m.doc)!;
      const p = await pageLines(d, m.page, m.limits);
      parentPort!.postMessage({ type: "page", doc: m.doc, page: m.page, lines: p.lines, ref: p.ref } satisfies WorkerReply);
    } catch (e) {
      parentPort!.postMessage({ type: "page-error", doc: m.doc, page: m.page, message: (e as Error).message ?? String(e), limit: e instanceof PageLimitError } satisfies WorkerReply);
    }
  } else if (m.type === "close") {
    const d = docs.get(m.doc);
    docs.delete(m.doc);
    if (d) await (await d.catch(() => undefined))?.close();
  }
});

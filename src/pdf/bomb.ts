import { Worker } from "node:worker_threads";
import { workerScript } from "../worker-script.js";
import { oversizedStream } from "./bounds.js";
import { costlyPage } from "./page-cost.js";

/** Why a document is refused before an engine opens it (a page, when one page is the cause). */
export interface Bomb {
  message: string;
  page?: number;
}

/**
 * Why a document is refused before any engine opens it: a content stream that inflates past the limit, or a page
 * that draws more than the limit (its streams summed, forms times their uses).
 */
export function bombIn(pdf: Uint8Array, limit: number): Bomb | undefined {
  const mib = (limit / 1024 ** 2).toLocaleString("en-US");
  const stream = oversizedStream(pdf, limit);
  if (stream) return { message: `a content stream${stream.object ? ` (object ${stream.object})` : ""} inflates to more than ${mib} MiB (--max-stream-mb)` };
  const page = costlyPage(pdf, limit);
  if (page) return { page: page.page, message: `page ${page.page} draws more than ${mib} MiB of content (its streams, and forms times the times they are drawn) (--max-stream-mb)` };
  return undefined;
}

/**
 * Documents from this size on are checked in a thread of their own. The check indexes every object and inflates
 * every page's content, and what that grows stays with the thread that did it: on R's 2,415-page manual (6.5 MB)
 * the reading thread's RSS rose by ~80 MB before its first page (peak 331 MB against 251 MB without the check). A
 * thread's heap goes back to the system when it ends; starting one costs ~30 ms, nothing beside a document this size.
 */
export const BOMB_THREAD_BYTES = 2 << 20;

/** {@link bombIn}, in a short-lived worker thread for a document of {@link BOMB_THREAD_BYTES} or more. */
export async function bombCheck(pdf: Uint8Array, limit: number): Promise<Bomb | undefined> {
  if (pdf.byteLength < BOMB_THREAD_BYTES) return bombIn(pdf, limit);
  const worker = new Worker(workerScript("pdf/bomb-worker.js", import.meta.url), { workerData: { pdf, limit } });
  try {
    return await new Promise<Bomb | undefined>((resolve, reject) => {
      worker.once("message", (m: Bomb | null) => resolve(m ?? undefined));
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the PDF check's thread ended (exit ${code}) before it answered`)));
    });
  } finally {
    await worker.terminate();
  }
}

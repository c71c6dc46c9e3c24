// pdf.js's worker half, imported so that it runs in the same thread (see pdf/document.ts).
declare module "pdfjs-dist/legacy/build/pdf.worker.mjs" {
  export const WorkerMessageHandler: unknown;
}

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { groupRuns, layoutLines, settleLines, type PageLine, type TextItemLike } from "./lines.js";
import { markdownTables } from "./tables.js";
import { cleanText } from "./clean.js";
import { withoutCanvas } from "./canvas-deferred.js";
import { RENEW_PAGES, RenewingDocument, type Held } from "./renewing.js";
import saslprep from "@mongodb-js/saslprep";

type PdfJs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");
type PDFDocumentProxy = Awaited<ReturnType<PdfJs["getDocument"]>["promise"]>;

let pdfjs: Promise<PdfJs> | undefined;

/**
 * The legacy build (the one for Node) installs core-js polyfills that on Node 20 replace native Array#push,
 * JSON.parse and JSON.stringify with JavaScript versions (for proposals pdf.js does not use): every push in
 * pdf.js's text extraction, and every JSON line this process reads or writes, ran through them. Put the natives
 * back once both halves are loaded.
 */
async function importPdfJs(): Promise<PdfJs> {
  const natives = [
    [Array.prototype, "push"],
    [JSON, "parse"],
    [JSON, "stringify"],
  ] as const;
  const saved = natives.map(([o, k]) => Object.getOwnPropertyDescriptor(o, k)!);
  // Without the canvas library until a page is rendered (canvas-deferred.ts).
  const m = await withoutCanvas(join(root, "legacy/build/pdf.mjs"), () => import("pdfjs-dist/legacy/build/pdf.mjs"));
  // The worker half too (pdf.js runs it in this thread when it finds it here), before restoring: it carries its
  // own copy of the polyfills.
  (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker ??= await import("pdfjs-dist/legacy/build/pdf.worker.mjs");
  natives.forEach(([o, k], i) => Object.defineProperty(o, k, saved[i]!));
  return m;
}
const load = () => (pdfjs ??= importPdfJs().then((m) => (installPlainClone(), m)));

/**
 * pdf.js in one thread still passes every message between its halves through structuredClone (its LoopbackPort
 * imitates a worker); text content is thousands of small plain objects a page, which V8's serializer copies
 * ~3× slower than a plain deep copy. Plain objects and arrays are copied here; anything else (typed arrays,
 * transfers, Maps, errors) still goes to the native clone.
 */
function installPlainClone(): void {
  const native = globalThis.structuredClone;
  const copy = (v: unknown, depth: number): unknown => {
    if (typeof v !== "object" || v === null) return v;
    if (depth > 64) throw new RangeError("deep");
    if (Array.isArray(v)) {
      const out = new Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = copy(v[i], depth + 1);
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return native(v);
    const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
    for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k], depth + 1);
    return out;
  };
  globalThis.structuredClone = ((v: unknown, opts?: { transfer?: unknown[] }) => {
    if (opts?.transfer?.length) return native(v, opts as Parameters<typeof native>[1]);
    try {
      return copy(v, 0);
    } catch {
      return native(v, opts as Parameters<typeof native>[1]);
    }
  }) as typeof structuredClone;
}

// The installed pdfjs-dist's CMaps and standard fonts: without them CJK text is silently lost.
const root = dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
const CMAPS = join(root, "cmaps") + "/";
const FONTS = join(root, "standard_fonts") + "/";

/** Why a PDF could not be opened, in words a user can act on. */
export class PdfOpenError extends Error {
  constructor(
    message: string,
    /** `limit`: over a bound (memory, time, text per page): refused as pdf-limit, not tried with another engine. */
    readonly kind: "password" | "wrong-password" | "invalid" | "unreadable" | "limit",
  ) {
    super(message);
  }
}

export interface OpenedPdf {
  /** The document as pdf.js holds it now: another one after a renewal, so read it for every use. */
  readonly doc: PDFDocumentProxy;
  numPages: number;
  /** End the document (not from inside {@link use}). */
  close(): Promise<void>;
  /** Read one page's worth from the document; a long one is opened afresh between pages ({@link RENEW_PAGES}). */
  use<T>(f: (doc: PDFDocumentProxy) => Promise<T>): Promise<T>;
  /** Times it was opened afresh so far. */
  readonly renewals: number;
}

/**
 * The forms of one password worth trying. pdf.js takes the password as a string of byte values for every revision,
 * so a non-ASCII password must also be tried as its UTF-8 bytes (AES-256 revision 5 and 6 passwords are UTF-8,
 * revision 6 after SASLprep); typed on another system it may be decomposed (NFD), so NFC and SASLprep forms too;
 * and as given, which pdf.js maps to Latin-1 bytes — the legacy PDFDocEncoding of revisions 2–4.
 */
export function passwordForms(pw: string): string[] {
  const forms = [pw, pw.normalize("NFC")];
  try {
    forms.push(saslprep(pw));
  } catch {
    // prohibited characters: SASLprep does not apply
  }
  const utf8 = (s: string) => Buffer.from(s, "utf8").toString("latin1");
  const out = new Set<string>();
  for (const f of forms) {
    out.add(f);
    if (/[^\x00-\x7f]/.test(f)) out.add(utf8(f));
  }
  return [...out];
}

/**
 * Open a PDF from a path or bytes. Encrypted files are tried with no password first (many have an empty user
 * password), then with each password given, in each of its {@link passwordForms}.
 */
export async function openPdf(src: { path?: string; data?: Uint8Array }, passwords: string[] = [], opts: { renewPages?: number } = {}): Promise<OpenedPdf> {
  const bytes = src.data ? src.data : await readBytes(src.path!);
  const every = opts.renewPages ?? renewPagesFromEnv() ?? RENEW_PAGES;
  let last: PdfOpenError | undefined;
  const tries = [undefined, ...passwords.flatMap(passwordForms)];
  for (const pw of tries) {
    let held: Held<PDFDocumentProxy>;
    try {
      // pdf.js takes the buffer it is given (it may detach it): it always gets a copy, the original kept to renew.
      held = await openOnce(new Uint8Array(bytes), pw);
    } catch (e) {
      if (!(e instanceof PdfOpenError) || (e.kind !== "password" && e.kind !== "wrong-password")) throw e;
      last = e;
      continue;
    }
    const numPages = held.doc.numPages;
    // Only a document longer than one renewal keeps its bytes (to open them again).
    const reopen = numPages > every ? () => openOnce(new Uint8Array(bytes), pw) : undefined;
    const d = new RenewingDocument(held, reopen, every);
    return {
      get doc() {
        return d.doc;
      },
      get renewals() {
        return d.renewals;
      },
      numPages,
      close: () => d.close(),
      use: (f) => d.use(f),
    };
  }
  throw passwords.length ? new PdfOpenError(`wrong password (tried ${passwords.length})`, "wrong-password") : last!;
}

/** PREP_DATA_PDF_RENEW_PAGES: pages between renewals, for tests that renew a short document. */
function renewPagesFromEnv(): number | undefined {
  const v = Number(process.env.PREP_DATA_PDF_RENEW_PAGES);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new PdfOpenError((e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message, "unreadable");
  }
}

async function openOnce(bytes: Uint8Array, password: string | undefined): Promise<Held<PDFDocumentProxy>> {
  const { getDocument } = await load();
  // pdf.js takes ownership of the buffer it is given (it may detach it).
  const task = getDocument({ data: bytes, password, cMapUrl: CMAPS, cMapPacked: true, standardFontDataUrl: FONTS, verbosity: 0, isEvalSupported: false, stopAtErrors: false });
  try {
    const doc = await task.promise;
    let ended: Promise<void> | undefined;
    return { doc, destroy: () => (ended ??= task.destroy()) };
  } catch (e) {
    await task.destroy().catch(() => undefined);
    const err = e as { name?: string; code?: number; message?: string };
    if (err.name === "PasswordException") {
      throw err.code === 2
        ? new PdfOpenError(password !== undefined ? "wrong password" : "needs a password (--password)", "wrong-password")
        : new PdfOpenError("needs a password (--password)", "password");
    }
    if (err.name === "InvalidPDFException") throw new PdfOpenError(`not a valid PDF: ${err.message}`, "invalid");
    throw new PdfOpenError(`cannot be read: ${err.message ?? String(e)}`, "unreadable");
  }
}

/** Bounds on the work one page may cost: a small file can inflate to gigabytes of text operators. */
export interface PageLimits {
  /** Characters of text on one page (default 2,000,000; a dense real page has ~10,000). */
  maxPageChars: number;
  /** Seconds one page may take (default 20; pdf.js reads a dense real page in well under one). */
  pageTimeoutSeconds: number;
  /**
   * MiB of address space one pdftotext process may use (default 2,048; a real document needs well under 200): a
   * 60 KB page drawing one form 50 times grew it to 6.8 GB.
   */
  maxExtractMb: number;
  /** Tables as Markdown tables (`markdown`, from where pdf.js places each run; src/pdf/tables.ts) or as runs of text (default). */
  tables?: "markdown" | "text";
}

export const DEFAULT_PAGE_LIMITS: PageLimits = { maxPageChars: 2_000_000, pageTimeoutSeconds: 20, maxExtractMb: 2048 };

/** A page over a limit: the document is refused, with the limit named. */
export class PageLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PageLimitError";
  }
}

/** The text lines of one page (1-based), cleaned, and the page object's reference (to spot a page listed twice). */
export function pageLines(pdf: OpenedPdf, pageNo: number, limits: PageLimits = DEFAULT_PAGE_LIMITS): Promise<{ lines: PageLine[]; ref?: string }> {
  return pdf.use((doc) => readPage(pdf, doc, pageNo, limits));
}

async function readPage(pdf: OpenedPdf, doc: PDFDocumentProxy, pageNo: number, limits: PageLimits): Promise<{ lines: PageLine[]; ref?: string }> {
  const page = await doc.getPage(pageNo);
  const reader = page.streamTextContent({}).getReader() as ReadableStreamDefaultReader<{ items: unknown[] }>;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  try {
    // Read the text in the chunks pdf.js streams it in, counting as it comes: a page over the limit is given up
    // before its text is all in memory.
    const items: TextItemLike[] = [];
    const mono = new Set<string>(); // fonts pdf.js calls monospace (for --tables markdown)
    let chars = 0;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PageLimitError(`page ${pageNo} took longer than ${limits.pageTimeoutSeconds} s (--page-timeout)`)), limits.pageTimeoutSeconds * 1000);
    });
    for (;;) {
      const r = await Promise.race([reader.read(), timeout]);
      if (r.done) break;
      // Each chunk carries the styles of the fonts it uses first; later chunks refer to them by name.
      if (limits.tables === "markdown") for (const [k, v] of Object.entries((r.value as { styles?: Record<string, { fontFamily?: string }> }).styles ?? {})) if (v.fontFamily === "monospace") mono.add(k);
      for (const it of r.value.items as TextItemLike[]) {
        if (typeof it.str !== "string") continue;
        chars += it.str.length;
        if (it.fontName && mono.has(it.fontName)) it.mono = true;
        items.push(it);
      }
      if (chars > limits.maxPageChars) {
        throw new PageLimitError(`page ${pageNo} has more than ${limits.maxPageChars.toLocaleString("en-US")} characters of text (--max-page-chars)`);
      }
    }
    const lines = limits.tables === "markdown" ? settleLines(markdownTables(groupRuns(items))) : layoutLines(items);
    const ref = (page as { ref?: { num: number; gen: number } | null }).ref;
    return { lines: lines.map((l) => ({ ...l, text: cleanText(l.text).trim() })).filter((l) => l.text !== ""), ref: ref ? `${ref.num} ${ref.gen} R` : undefined };
  } catch (e) {
    if (e instanceof PageLimitError) {
      // Over a bound, the document is refused whole. Cancelling the text stream here raced pdf.js: its worker side
      // still sent chunks, and enqueueing them on the cancelled stream threw outside any caller (an uncaught
      // ERR_INVALID_STATE ended the process). Ending the document stops the worker side first.
      ended = true;
      await pdf.close().catch(() => undefined);
    }
    throw e;
  } finally {
    clearTimeout(timer);
    if (!ended) {
      await reader.cancel().catch(() => undefined);
      page.cleanup();
    }
  }
}

import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { getPriority, setPriority } from "node:os";
import { cleanText, needsCleaning } from "./clean.js";
import { DEFAULT_PAGE_LIMITS, PageLimitError, PdfOpenError, type PageLimits } from "./document.js";
import type { PageLine } from "./lines.js";
import type { ExtractedPage, Extractor } from "./pool.js";

export type PdfEngine = "auto" | "pdfjs" | "poppler";

const found = new Map<string, string | undefined>();

/**
 * poppler's `pdftotext`: the executable at PREP_DATA_PDFTOTEXT, or the first on PATH; undefined when there is none.
 * Looked up, not run: a `pdftotext -v` would cost this process ~20–40 ms before the first document starts.
 */
export function popplerBinary(): string | undefined {
  return findOnPath(pdftotextBin());
}

/** A program's path: `bin` itself when it names a path, else the first executable file of that name on PATH (cached). */
export function findOnPath(bin: string): string | undefined {
  if (!found.has(bin)) {
    const dirs = bin.includes("/") ? [""] : (process.env.PATH ?? "").split(delimiter).filter(Boolean);
    found.set(bin, dirs.map((d) => (d ? join(d, bin) : bin)).find(executable));
  }
  return found.get(bin);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function pdftotextBin(): string {
  return process.env.PREP_DATA_PDFTOTEXT || "pdftotext";
}

/** The engine a run uses: `auto` is poppler when `pdftotext` is installed, else pdf.js. */
export function resolveEngine(engine: PdfEngine = "auto"): "pdfjs" | "poppler" {
  if (engine === "pdfjs") return "pdfjs";
  if (popplerBinary()) return "poppler";
  if (engine === "poppler") throw new PdfOpenError("--engine poppler needs poppler's pdftotext (Debian/Ubuntu: apt-get install poppler-utils; macOS: brew install poppler)", "unreadable");
  return "pdfjs";
}

/**
 * A page's lines from `pdftotext`'s reading-order text: one line per line, a paragraph where poppler left a blank
 * line (between its text blocks), cleaned as pdf.js lines are.
 */
export function popplerLines(page: string): PageLine[] {
  const out: PageLine[] = [];
  let gap = false;
  // Most pages have nothing for cleanText to do (one scan says so): their lines are only collapsed and trimmed.
  const clean = !needsCleaning(page);
  for (const raw of page.split("\n")) {
    const text = clean ? raw.replace(SPACES, " ").trim() : cleanText(raw.replace(SPACES, " ")).trim();
    if (text === "") {
      gap = true;
      continue;
    }
    out.push({ text, y: 0, size: 0, paragraph: gap && out.length > 0 });
    gap = false;
  }
  return out;
}

const SPACES = /\s+/g;

/** A document is split among processes only when each gets at least this many pages. */
const PAGES_PER_PROCESS = 64;

/**
 * Documents extracted ahead of the one being chunked, at most (their text is held until it is). Far enough that
 * the cores never wait on a slow stretch of chunking (a run of CJK pages), and no further than {@link HELD_CHARS}.
 */
export const READY_AHEAD = 32;

/** Characters of extracted text held for documents not yet chunked, beyond which no new extraction starts. */
export const HELD_CHARS = 32 * 1024 * 1024;

interface Extracted {
  pages: string[];
}

/**
 * Page text from poppler's `pdftotext`, run as a separate process per document (several documents at once: the
 * next ones are started while this one's pages are consumed, `jobs` processes in all; a long document with cores
 * to spare is read by several, a page range each), behind the same interface
 * as pdf.js so the same lines → boilerplate → chunk path follows. With `fallback` (engine auto), a document
 * poppler cannot open is handed to pdf.js, whose findings name what is wrong.
 */
export class PopplerExtractor implements Extractor {
  private readonly docs = new Map<number, string[]>();
  private readonly pending = new Map<number, Promise<Extracted | Error>>();
  private readonly fallbackDocs = new Set<number>();
  private fb: Extractor | undefined;
  /** pdftotext processes running now. */
  private running = 0;
  /** The last document opened: later prefetches of it (or earlier ones) are ignored. */
  private opened = -1;
  /** Characters of text extracted and not yet closed, by document (at most jobs + READY_AHEAD of them). */
  private readonly heldBy = new Map<number, number>();
  /** Documents in the run (see {@link expect}): a document is split among processes only when no other is left. */
  private total = Infinity;
  private lastStarted = -1;

  constructor(
    private readonly limits: PageLimits = DEFAULT_PAGE_LIMITS,
    readonly jobs = 2,
    private readonly fallback?: () => Extractor,
    /** How far ahead extraction may run: documents waiting to be opened, and characters of text held. */
    private readonly ahead = { docs: READY_AHEAD, chars: HELD_CHARS },
  ) {}

  get width(): number {
    return this.fb?.width ?? 2;
  }

  /** Documents to be told of ahead of the one opened: the processes running and those waiting to be opened. */
  get aheadDocs(): number {
    return this.jobs + this.ahead.docs;
  }

  /** The number of documents the run will open (0 … total − 1). */
  expect(total: number): void {
    this.total = total;
  }

  /**
   * Extract a document that will be opened soon (a local path only): queued, and started in document order while
   * fewer than `jobs` extractions run, fewer than `jobs + READY_AHEAD` wait to be opened and less than
   * {@link HELD_CHARS} of text is held — so the cores keep extracting while this thread chunks, and memory stays
   * bounded however far ahead that is.
   */
  prefetch(doc: number, src: { path?: string; data?: Uint8Array }, passwords: string[] = []): void {
    if (doc <= this.opened || this.pending.has(doc) || this.queued.has(doc)) return;
    this.queued.set(doc, { src, passwords });
    this.pump();
  }

  private readonly queued = new Map<number, { src: { path?: string; data?: Uint8Array }; passwords: string[] }>();
  /** Extractions started and not yet finished. */
  private extracting = 0;

  private held(): number {
    let n = 0;
    for (const c of this.heldBy.values()) n += c;
    return n;
  }

  private pump(): void {
    while (this.queued.size && this.extracting < this.jobs && this.pending.size < this.jobs + this.ahead.docs && this.held() < this.ahead.chars) {
      const doc = Math.min(...this.queued.keys());
      const { src, passwords } = this.queued.get(doc)!;
      this.queued.delete(doc);
      this.start(doc, src, passwords);
    }
  }

  private start(doc: number, src: { path?: string; data?: Uint8Array }, passwords: string[]): Promise<Extracted | Error> {
    this.extracting++;
    this.lastStarted = Math.max(this.lastStarted, doc);
    const p = this.extract(src, passwords, doc)
      .then((r) => {
        const chars = r.pages.reduce((a, t) => a + t.length, 0);
        this.heldBy.set(doc, chars);
        return r;
      })
      .catch((e: Error) => e)
      .finally(() => {
        this.extracting--;
        this.pump();
      });
    this.pending.set(doc, p);
    return p;
  }

  async open(doc: number, src: { path?: string; data?: Uint8Array }, passwords: string[] = []): Promise<number> {
    this.opened = Math.max(this.opened, doc);
    for (const d of this.queued.keys()) if (d <= doc) this.queued.delete(d);
    const r = await (this.pending.get(doc) ?? this.start(doc, src, passwords));
    this.pending.delete(doc);
    this.pump();
    if (r instanceof Error) {
      if (!this.fallback || (r instanceof PdfOpenError && r.kind === "limit")) throw r instanceof PdfOpenError ? r : new PdfOpenError(r.message, "unreadable");
      this.fb ??= this.fallback();
      this.fallbackDocs.add(doc);
      return this.fb.open(doc, src, passwords);
    }
    this.docs.set(doc, r.pages);
    return r.pages.length;
  }

  async page(doc: number, page: number): Promise<ExtractedPage> {
    if (this.fallbackDocs.has(doc)) return this.fb!.page(doc, page);
    const text = this.docs.get(doc)![page - 1] ?? "";
    if (text.length > this.limits.maxPageChars) throw new PageLimitError(`page ${page} has more than ${this.limits.maxPageChars.toLocaleString("en-US")} characters of text (--max-page-chars)`);
    return { lines: popplerLines(text) };
  }

  async close(doc: number): Promise<void> {
    this.docs.delete(doc);
    this.heldBy.delete(doc);
    this.pump();
    if (this.fallbackDocs.delete(doc)) await this.fb!.close(doc);
  }

  async end(): Promise<void> {
    this.docs.clear();
    this.queued.clear();
    this.heldBy.clear();
    await Promise.allSettled(this.pending.values());
    this.pending.clear();
    await this.fb?.end();
  }

  /** Run pdftotext: no password first, then each password in each of its forms; pages split at form feeds. */
  private async extract(src: { path?: string; data?: Uint8Array }, passwords: string[], doc: number): Promise<Extracted> {
    // pdftotext takes the password as UTF-8 from the command line: as typed, and composed (NFC).
    const tries: (string | undefined)[] = [undefined, ...passwords.flatMap((p) => [p, p.normalize("NFC")])];
    let last: PdfOpenError | undefined;
    for (const pw of [...new Set(tries)]) {
      // A long document is read by several processes at once, each a range of its pages.
      const split = src.path && this.jobs > 1 && this.alone(doc) ? await this.ranges(src.path, pw) : undefined;
      if (split) {
        const parts = await Promise.all(split.map(([f, l]) => this.run(src, pw, [f, l])));
        const over = parts.find((r) => r.limit);
        if (over) throw new PdfOpenError(over.limit!, "limit");
        const pages = parts.flatMap((r) => r.stdout.split("\f").slice(0, -1));
        if (parts.every((r) => r.code === 0) && pages.length === split.at(-1)![1]) return { pages };
      }
      const r = await this.run(src, pw);
      if (r.limit) throw new PdfOpenError(r.limit, "limit");
      if (r.code === 0) {
        const pages = r.stdout.split("\f");
        pages.pop(); // pdftotext ends every page, the last one included, with a form feed
        return { pages };
      }
      if (/incorrect password/i.test(r.stderr)) {
        last = new PdfOpenError(pw === undefined ? "needs a password (--password)" : "wrong password", pw === undefined ? "password" : "wrong-password");
        continue;
      }
      const why = r.stderr.split("\n").filter((l) => l.trim() && !/^Syntax (Warning|Error)/.test(l))[0] ?? r.stderr.split("\n")[0] ?? "";
      throw new PdfOpenError(`pdftotext cannot read it (exit ${r.code}${why ? `: ${why.trim()}` : ""})`, "unreadable");
    }
    throw passwords.length ? new PdfOpenError(`wrong password (tried ${passwords.length})`, "wrong-password") : last!;
  }

  /**
   * Whether `doc` is the only document left to read: none other is being read, and every later one has started or
   * there is none. Several documents at once already keep the cores busy (and this thread's chunking needs one).
   */
  private alone(doc: number): boolean {
    // Documents start in order, so the last one started says how far the run has got (not told: any document).
    return this.running === 0 && (!Number.isFinite(this.total) || doc >= this.total - 1 || this.lastStarted >= this.total - 1);
  }

  /** Page ranges for `jobs` processes when the document is long enough to be worth it (pdfinfo's page count). */
  private async ranges(path: string, password: string | undefined): Promise<[number, number][] | undefined> {
    const bin = pdftotextBin().replace(/pdftotext$/, "pdfinfo");
    const info = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(bin, [...(password !== undefined ? ["-upw", password] : []), path], { stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
      child.on("error", () => resolve({ code: -1, out: "" }));
      child.on("close", (code) => resolve({ code, out }));
    });
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info.out)?.[1] ?? NaN);
    if (info.code !== 0 || !(pages >= PAGES_PER_PROCESS * 2)) return undefined;
    const k = Math.min(this.jobs, Math.floor(pages / PAGES_PER_PROCESS));
    return Array.from({ length: k }, (_, i) => [Math.floor((pages * i) / k) + 1, Math.floor((pages * (i + 1)) / k)] as [number, number]);
  }

  /**
   * One pdftotext process, bounded: address space by `ulimit -v` (setrlimit, through the shell that then becomes
   * pdftotext), text per page as it streams out (a page past --max-page-chars stops it; its text is never held
   * whole), and time. `limit` says which bound it hit.
   */
  private run(src: { path?: string; data?: Uint8Array }, password: string | undefined, range?: [number, number]): Promise<{ code: number | null; stdout: string; stderr: string; limit?: string }> {
    return new Promise((resolve, reject) => {
      const args = ["-enc", "UTF-8", ...(range ? ["-f", String(range[0]), "-l", String(range[1])] : []), ...(password !== undefined ? ["-upw", password] : []), src.path ?? "-", "-"];
      const mb = this.limits.maxExtractMb;
      const child = spawn("/bin/sh", ["-c", 'ulimit -v "$0" 2>/dev/null; exec "$@"', String(mb * 1024), pdftotextBin(), ...args], { stdio: [src.path ? "ignore" : "pipe", "pipe", "pipe"] });
      let overLimit: string | undefined;
      // Below this process's priority: with documents extracted ahead, this thread's chunking is the critical
      // path when the cores are all busy, and pdftotext has the slack.
      if (child.pid !== undefined) {
        try {
          setPriority(child.pid, Math.min(19, getPriority() + 5));
        } catch {
          // not permitted here: same priority
        }
      }
      this.running++;
      child.on("close", () => this.running--);
      const out: Buffer[] = [];
      let outBytes = 0;
      let err = "";
      // A whole document gets what its pages could: the page timeout for every 50 pages, at least a minute.
      const limit = Math.max(60, this.limits.pageTimeoutSeconds * 50) * 1000;
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new PdfOpenError(`pdftotext took longer than ${limit / 1000} s`, "limit"));
      }, limit);
      // Bytes of the page being written (UTF-8: at most 4 per character) and its number.
      let pageBytes = 0;
      let page = range ? range[0] : 1;
      const pageMax = this.limits.maxPageChars * 4;
      child.stdout!.on("data", (c: Buffer) => {
        if (overLimit) return;
        out.push(c);
        outBytes += c.length;
        for (let at = 0; ; ) {
          const ff = c.indexOf(12, at);
          if (ff === -1) {
            pageBytes += c.length - at;
            break;
          }
          pageBytes += ff - at;
          if (pageBytes > pageMax) break;
          pageBytes = 0;
          page++;
          at = ff + 1;
        }
        // Counted in bytes while it streams, exactly in characters when the page is read (page()).
        if (pageBytes > pageMax && Buffer.concat(out).toString("utf8").split("\f").pop()!.length > this.limits.maxPageChars) {
          overLimit = `page ${page} has more than ${this.limits.maxPageChars.toLocaleString("en-US")} characters of text (--max-page-chars)`;
          child.kill("SIGKILL");
        }
      });
      child.stderr!.on("data", (c: Buffer) => {
        if (err.length < 10_000) err += c.toString("utf8");
      });
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        // Memory: poppler says "Out of memory" and aborts, or C++ throws bad_alloc (also an abort).
        if (!overLimit && code !== 0 && (/Out of memory|bad_alloc|Cannot allocate memory/i.test(err) || signal === "SIGABRT" || signal === "SIGSEGV")) {
          overLimit = `pdftotext needed more than ${mb.toLocaleString("en-US")} MiB of memory (--max-extract-mb)`;
        }
        resolve({ code, stdout: overLimit ? "" : Buffer.concat(out).toString("utf8"), stderr: err, ...(overLimit ? { limit: overLimit } : {}) });
      });
      if (!src.path) {
        child.stdin!.on("error", () => undefined); // it may exit before reading everything
        child.stdin!.end(src.data);
      }
    });
  }
}

/**
 * pdf.js keeps, for a document's whole life, every object it has parsed (its XRef cache, ~20 KB a page served) and,
 * in each font, every string drawn with it (the font's glyph cache): on the 2,415-page R manual a thread's heap grew
 * by ~57 MB from the first pages to the last, and would grow on with a longer book. A document is therefore opened
 * afresh after this many pages: what the thread holds stays that of at most this many pages, whatever the document's
 * length. Renewing costs a re-parse of the cross-reference table and of the fonts the next pages use: on the R manual,
 * opening it and reading 10 pages took ~180 ms against ~40 ms for 10 pages of the open document, so its 8 renewals
 * cost ~1.1 s of a thread's ~10 s. A page's text does not depend on the pages read before it: output is unchanged
 * (the R manual's JSONL is byte-identical).
 */
export const RENEW_PAGES = 300;

/** A document as pdf.js holds it: its proxy and the end of it (idempotent). */
export interface Held<D> {
  doc: D;
  destroy(): Promise<void>;
}

/**
 * A document used page by page, opened afresh (by `reopen`) after every `every` pages it served. Pages in flight when
 * renewal is due finish on the old document; new ones wait for the new one. Without `reopen`, it is never renewed.
 */
export class RenewingDocument<D> {
  private current: Held<D>;
  private served = 0;
  private active = 0;
  private gate: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  private closed = false;
  private failed: Error | undefined;
  /** Times the document was opened afresh. */
  renewals = 0;

  constructor(
    first: Held<D>,
    private readonly reopen: (() => Promise<Held<D>>) | undefined,
    private readonly every = RENEW_PAGES,
  ) {
    this.current = first;
  }

  /** The document pdf.js holds now (another one after a renewal). */
  get doc(): D {
    return this.current.doc;
  }

  /** Run `f` on the document, as one page served. */
  async use<T>(f: (doc: D) => Promise<T>): Promise<T> {
    while (this.gate) await this.gate;
    if (this.failed) throw this.failed;
    if (this.closed) throw new Error("the document was closed");
    this.active++;
    try {
      return await f(this.current.doc);
    } finally {
      this.active--;
      this.served++;
      if (this.reopen && !this.closed && !this.gate && this.served >= this.every) this.startRenewal();
      if (this.active === 0) this.drained?.();
    }
  }

  private startRenewal(): void {
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    const drained = this.active === 0 ? Promise.resolve() : new Promise<void>((r) => (this.drained = r));
    void drained
      .then(async () => {
        this.drained = undefined;
        if (this.closed) return;
        await this.current.destroy();
        const next = await this.reopen!();
        if (this.closed) await next.destroy();
        else this.current = next;
        this.renewals++;
      })
      .catch((e: unknown) => {
        this.failed = new Error(`the document could not be opened again after ${this.served} pages: ${(e as Error).message ?? String(e)}`);
      })
      .finally(() => {
        this.served = 0;
        this.gate = undefined;
        open();
      });
  }

  /** End the document now (pages in flight on it fail); no renewal follows. */
  async close(): Promise<void> {
    this.closed = true;
    await this.current.destroy();
  }
}

import type { PageLine } from "./lines.js";

/** How a line is compared across pages: digits as 0 (page numbers, dates), case and spacing ignored. */
export function lineSignature(text: string): string {
  return text.toLowerCase().replace(/\d+/g, "0").replace(/\s+/g, "");
}

const PAGE_NUMBER = /^(page\s*)?(\d{1,5}|[ivxlcdm]{1,8})(\s*(\/|of)\s*\d{1,5})?$/i;
const EDGE = 2; // lines at the top and at the bottom of a page that may be running heads or feet

export interface PageLines {
  page: number;
  lines: PageLine[];
}

/**
 * Removes running headers, footers and page numbers as pages stream past: a line among the first or last two of
 * its page is boilerplate when the same signature sits at a page edge on at least 3 pages and 40 % of the pages
 * in a window of `radius` pages on each side; a bare page number at a page edge always is. Holds 2×radius+1
 * pages at a time, so a 2,400-page manual is never in memory whole.
 */
export class BoilerplateFilter {
  private raw: PageLines[] = [];
  private sigs: Set<string>[] = [];
  /** Sequence number of raw[0], and of the next page to settle. */
  private first = 0;
  private next = 0;
  removed = 0;

  constructor(private readonly radius = 6) {}

  private static edges(lines: PageLine[]): Set<string> {
    const s = new Set<string>();
    for (const l of [...lines.slice(0, EDGE), ...lines.slice(Math.max(EDGE, lines.length - EDGE))]) s.add(lineSignature(l.text));
    return s;
  }

  /** Add a page; returns the pages now settled (those with `radius` pages after them), in order. */
  push(p: PageLines): PageLines[] {
    this.raw.push(p);
    this.sigs.push(BoilerplateFilter.edges(p.lines));
    const out: PageLines[] = [];
    while (this.next + this.radius < this.first + this.raw.length) out.push(this.settle(this.next++));
    while (this.first < this.next - this.radius) {
      this.raw.shift();
      this.sigs.shift();
      this.first++;
    }
    return out;
  }

  /** No more pages: settle the rest. */
  flush(): PageLines[] {
    const out: PageLines[] = [];
    while (this.next < this.first + this.raw.length) out.push(this.settle(this.next++));
    this.raw = [];
    this.sigs = [];
    this.first = this.next;
    return out;
  }

  private settle(seq: number): PageLines {
    const target = this.raw[seq - this.first]!;
    const from = Math.max(0, seq - this.radius - this.first);
    const to = Math.min(this.raw.length, seq + this.radius + 1 - this.first);
    const pages = to - from;
    const need = Math.max(3, Math.ceil(pages * 0.4));
    const n = target.lines.length;
    let lines = target.lines.filter((l, i) => {
      if (i >= EDGE && i < n - EDGE) return true;
      if (PAGE_NUMBER.test(l.text.trim())) return false;
      const sig = lineSignature(l.text);
      let count = 0;
      for (let k = from; k < to; k++) if (this.sigs[k]!.has(sig)) count++;
      return count < need;
    });
    // A page is never emptied of its text: when every line looks like a running head (short pages of a form whose
    // pages differ only in numbers), the lines are body text after all; only bare page numbers go.
    if (lines.length === 0) lines = target.lines.filter((l) => !PAGE_NUMBER.test(l.text.trim()));
    this.removed += n - lines.length;
    return { page: target.page, lines };
  }
}

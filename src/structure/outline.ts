import type { Heading, Structure, TableSpan } from "./markdown.js";

/** A heading as a path element: `## Install`. */
export const headingLabel = (h: Heading) => `${"#".repeat(h.level)} ${h.title}`.trimEnd();

/**
 * The headings and tables of the text a chunker holds, by offset into its buffer; as the buffer drops text it has
 * cut, the headings before the cut are folded into the path in force at the buffer's start, so the heading path of
 * any offset is known without keeping the document.
 */
export class Outline {
  private base: Heading[] = [];
  private headings: Heading[] = [];
  private tables: TableSpan[] = [];

  get empty(): boolean {
    return this.base.length === 0 && this.headings.length === 0 && this.tables.length === 0;
  }

  reset(): void {
    this.base = [];
    this.headings = [];
    this.tables = [];
  }

  /** A block's structure, its offsets moved by `offset` (where the block starts in the buffer). */
  add(offset: number, s: Partial<Structure>): void {
    for (const h of s.headings ?? []) this.headings.push({ ...h, at: h.at + offset });
    for (const t of s.tables ?? []) this.tables.push({ ...t, at: t.at + offset, bodyAt: t.bodyAt + offset, end: t.end + offset });
  }

  /** The buffer dropped its first `keep` characters. */
  rebase(keep: number): void {
    let i = 0;
    while (i < this.headings.length && this.headings[i]!.at < keep) this.base = nest(this.base, this.headings[i++]!);
    this.headings = this.headings.slice(i).map((h) => ({ ...h, at: h.at - keep }));
    this.tables = this.tables.filter((t) => t.end > keep).map((t) => ({ ...t, at: t.at - keep, bodyAt: t.bodyAt - keep, end: t.end - keep }));
  }

  /** The heading path in force at `offset` (a heading starting there included). */
  pathAt(offset: number): Heading[] {
    let path = this.base;
    for (const h of this.headings) {
      if (h.at > offset) break;
      path = nest(path, h);
    }
    return path;
  }

  /** Whether a heading starts at `offset`. */
  headingAt(offset: number): boolean {
    return this.headings.some((h) => h.at === offset);
  }

  /** Offsets of the headings strictly between `from` and `to`. */
  boundaries(from: number, to: number): number[] {
    return this.headings.filter((h) => h.at > from && h.at < to).map((h) => h.at);
  }

  /** The table whose rows include `offset`, if any. */
  tableAt(offset: number): TableSpan | undefined {
    return this.tables.find((t) => t.at <= offset && offset < t.end);
  }
}

/** A path with `h` in its place: deeper or equal levels closed. */
function nest(path: Heading[], h: Heading): Heading[] {
  return [...path.filter((p) => p.level < h.level), h];
}

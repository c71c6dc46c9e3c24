import { writeFileSync } from "node:fs";
import { PDFDocument, StandardFonts } from "pdf-lib";

/** A run of text at a position on a page (PDF points, origin bottom-left). */
export interface Run {
  text: string;
  x: number;
  y: number;
  size?: number;
}

/** Write a PDF whose pages hold exactly these runs (Helvetica), so the expected text is known. */
export async function writePdf(path: string, pages: Run[][]): Promise<void> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const runs of pages) {
    const page = doc.addPage([612, 792]);
    for (const r of runs) page.drawText(r.text, { x: r.x, y: r.y, size: r.size ?? 11, font });
  }
  writeFileSync(path, await doc.save());
}

/** Lines of prose laid out top-down from y=700 with 14 pt leading, each line one run. */
export function prose(lines: string[], top = 700, x = 72): Run[] {
  return lines.map((text, i) => ({ text, x, y: top - i * 14 }));
}

/** A line drawn word by word, each word placed by the width of the ones before it plus a gap, as typesetters do. */
export async function wordRuns(words: string[], x: number, y: number, gap: number): Promise<Run[]> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const runs: Run[] = [];
  let at = x;
  for (const w of words) {
    runs.push({ text: w, x: at, y });
    at += font.widthOfTextAtSize(w, 11) + gap;
  }
  return runs;
}

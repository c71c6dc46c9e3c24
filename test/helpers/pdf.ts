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

/**
 * A PDF whose font's ToUnicode map sends some glyphs to the wrong code points (`map`: character drawn → what the
 * map says it is), as broken producers write them: every engine that honours ToUnicode reads the wrong text.
 */
export async function writeMisMappedPdf(path: string, pages: string[][], map: Record<string, string>): Promise<void> {
  const { PDFName } = await import("pdf-lib");
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([612, 792]);
    lines.forEach((text, i) => page.drawText(text, { x: 72, y: 700 - i * 14, size: 11, font }));
  }
  // Helvetica is drawn with WinAnsi codes: one byte per character, ASCII as itself.
  const entries: string[] = [];
  for (let c = 32; c < 127; c++) {
    const ch = String.fromCharCode(c);
    const to = map[ch] ?? ch;
    entries.push(`<${c.toString(16).padStart(2, "0")}> <${[...to].map((x) => x.codePointAt(0)!.toString(16).padStart(4, "0")).join("")}>`);
  }
  const cmap = [
    "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def", "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
    "1 begincodespacerange", "<00> <FF>", "endcodespacerange",
    `${entries.length} beginbfchar`, ...entries, "endbfchar",
    "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
  ].join("\n");
  await doc.save(); // fonts are written into the document on save
  const ref = doc.context.register(doc.context.stream(cmap));
  (doc.context.lookup(font.ref) as import("pdf-lib").PDFDict).set(PDFName.of("ToUnicode"), ref);
  writeFileSync(path, await doc.save());
}

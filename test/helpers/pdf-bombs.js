import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

/** A PDF assembled from numbered objects, with a correct cross-reference table. */
/** @param {(string | Buffer)[]} objects */
function assemble(objects) {
  const parts = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  /** @type {number[]} */
  const offsets = [];
  let at = parts[0].length;
  objects.forEach((o, i) => {
    offsets.push(at);
    const body = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), typeof o === "string" ? Buffer.from(o, "latin1") : o, Buffer.from("\nendobj\n")]);
    parts.push(body);
    at += body.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`)].join("");
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`));
  return Buffer.concat(parts);
}

const FONT = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

/**
 * One page whose small (Flate) content stream inflates to `mb` megabytes of text-showing operators: a
 * decompression bomb for text extraction.
 */
/** @param {string} path @param {number} mb */
export function writeTextBomb(path, mb) {
  const op = "(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj\n";
  const content = Buffer.from(`BT /F1 10 Tf 72 700 Td\n${op.repeat(Math.ceil((mb * 1e6) / op.length))}ET\n`);
  const z = deflateSync(content, { level: 9 });
  writeFileSync(
    path,
    assemble([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
      Buffer.concat([Buffer.from(`<< /Length ${z.length} /Filter /FlateDecode >>\nstream\n`), z, Buffer.from("\nendstream")]),
      FONT,
    ]),
  );
}

/** A page tree whose Kids list one page object `refs` times (and claims that many pages). */
/** @param {string} path @param {number} refs */
export function writePageTreeBomb(path, refs) {
  const kids = "3 0 R ".repeat(refs);
  const content = "BT /F1 12 Tf 72 700 Td (The only real page.) Tj ET";
  writeFileSync(
    path,
    assemble([
      "<< /Type /Catalog /Pages 2 0 R >>",
      `<< /Type /Pages /Kids [${kids}] /Count ${refs} >>`,
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
      FONT,
    ]),
  );
}

/**
 * Pages of ordinary words whose font's ToUnicode CMap maps every letter to a punctuation mark: what a PDF with a
 * broken font encoding gives a text extractor (the glyphs look right on screen, the text layer is symbol soup).
 * @param {string} path @param {string[][]} pages lines of text per page
 */
export function writeWrongCodePointsPdf(path, pages) {
  const SYMBOLS = "!#$%&*+-/:;<=>?@[]^_{|}~";
  const hex = (n) => n.toString(16).padStart(4, "0").toUpperCase();
  const map = [];
  for (let c = 0x21; c <= 0x7e; c++) map.push(`<${c.toString(16).toUpperCase()}> <${hex(SYMBOLS.charCodeAt(c % SYMBOLS.length))}>`);
  const cmap = `/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Garbled def 1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <20> <0020> endbfchar ${map.length} beginbfchar ${map.join(" ")} endbfchar endcmap CMapName currentdict /CMap defineresource pop end end`;
  const objects = ["<< /Type /Catalog /Pages 2 0 R >>", `<< /Type /Pages /Kids [${pages.map((_, i) => `${5 + i * 2} 0 R`).join(" ")}] /Count ${pages.length} >>`, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 4 0 R >>", `<< /Length ${cmap.length} >>\nstream\n${cmap}\nendstream`];
  pages.forEach((lines, i) => {
    const content = "BT /F1 11 Tf 14 TL 72 720 Td " + lines.map((l) => `(${l}) Tj T*`).join(" ") + " ET";
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${6 + i * 2} 0 R >>`);
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  });
  writeFileSync(path, assemble(objects));
}

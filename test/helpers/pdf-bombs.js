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

/** A Flate stream object whose content is `mb` megabytes of text-showing operators. */
/** @param {number} mb @param {string} [dict] */
function textOps(mb, dict = "", spread = false) {
  // Each string a little lower than the one before: distinct words, which an extractor must all hold for the page.
  // Spread: strings on a grid over the page, all of them in the extracted text (nearly overlapping ones are merged).
  const op = "(AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj 0 -0.001 Td\n";
  const n = Math.ceil((mb * 1e6) / op.length);
  const ops = spread ? Array.from({ length: n }, (_, i) => `1 0 0 1 ${(i % 3) * 200} ${(Math.floor(i / 3) % 70) * 11} Tm (${String(i).padStart(40, "B")}) Tj\n`).join("") : op.repeat(n);
  const content = Buffer.from(`BT /F1 10 Tf 72 700 Td\n${ops}ET\n`);
  const z = deflateSync(content, { level: 9 });
  return Buffer.concat([Buffer.from(`<< ${dict} /Length ${z.length} /Filter /FlateDecode >>\nstream\n`), z, Buffer.from("\nendstream")]);
}

/**
 * One page that draws one form XObject `uses` times; the form's stream inflates to `mb` megabytes of text operators.
 * Each stream is under any per-stream bound; the page's work is `mb × uses`.
 * @param {string} path @param {number} mb @param {number} uses
 */
export function writeFormBomb(path, mb, uses) {
  const page = Buffer.from("q /Fm0 Do Q\n".repeat(uses));
  writeFileSync(
    path,
    assemble([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << /Fm0 6 0 R >> >> /Contents 4 0 R >>",
      Buffer.concat([Buffer.from(`<< /Length ${page.length} >>\nstream\n`), page, Buffer.from("\nendstream")]),
      FONT,
      textOps(mb, "/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>"),
    ]),
  );
}

/**
 * One page whose /Contents is an array of `count` streams, each inflating to `mb` megabytes of text operators
 * (each under a per-stream bound; the page's sum is not).
 * @param {string} path @param {number} count @param {number} mb
 */
export function writeContentsArrayBomb(path, count, mb) {
  const stream = textOps(mb, "", true);
  const refs = Array.from({ length: count }, () => "5 0 R").join(" ");
  writeFileSync(
    path,
    assemble([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents [${refs}] >>`,
      FONT,
      stream,
    ]),
  );
}

/**
 * `pages` pages sharing one content stream that inflates to `mb` megabytes of text operators (each page under the
 * per-stream bound, each slow to read).
 * @param {string} path @param {number} pages @param {number} mb
 */
export function writeTextBombPages(path, pages, mb) {
  const kids = Array.from({ length: pages }, (_, i) => `${5 + i} 0 R`).join(" ");
  const pageObjs = Array.from({ length: pages }, () => "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>");
  writeFileSync(path, assemble(["<< /Type /Catalog /Pages 2 0 R >>", `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`, FONT, textOps(mb), ...pageObjs]));
}

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from "docx";
import JSZip from "jszip";
import PptxGenJS from "pptxgenjs";
import { describe, expect, it } from "vitest";
import { prose, writePdf } from "../helpers/pdf.js";
import { lines, run, tmp } from "../helpers/run.js";

/** Fixtures written by the libraries that make such files (docx, pptxgenjs) or by hand as the formats say (EPUB, ODT). */
async function fixtures(dir: string): Promise<void> {
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph({ text: "Install Guide", heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ children: [new TextRun("Download the package and run the installer.")] }),
          new Paragraph({ text: "Requirements", heading: HeadingLevel.HEADING_2 }),
          new Paragraph({ text: "A 64-bit machine", bullet: { level: 0 } }),
          new Table({ rows: [["Option", "Default"], ["--port", "8080"]].map((r) => new TableRow({ children: r.map((c) => new TableCell({ children: [new Paragraph(c)] })) })) }),
        ],
      },
    ],
  });
  writeFileSync(join(dir, "guide.docx"), await Packer.toBuffer(doc));
  const p = new PptxGenJS();
  const s1 = p.addSlide();
  s1.addText("Quarterly review", { x: 1, y: 1 });
  s1.addNotes("Mention the revenue first.");
  p.addSlide().addText("Revenue grew 12%", { x: 1, y: 1 });
  // A slide whose title is in the master's title placeholder: its title becomes a heading.
  p.defineSlideMaster({ title: "TITLED", objects: [{ placeholder: { options: { name: "title", type: "title", x: 0.5, y: 0.2, w: 9, h: 1 }, text: "" } }] });
  const s3 = p.addSlide({ masterName: "TITLED" });
  s3.addText("Outlook", { placeholder: "title" });
  s3.addText("Growth continues.", { x: 1, y: 2 });
  writeFileSync(join(dir, "deck.pptx"), (await p.write({ outputType: "nodebuffer" })) as Buffer);
  const e = new JSZip();
  e.file("mimetype", "application/epub+zip");
  e.file("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>');
  // The manifest lists chapter two first; the spine (reading order) says one, then two.
  e.file("OEBPS/content.opf", '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><manifest><item id="c2" href="ch2.xhtml" media-type="application/xhtml+xml"/><item id="c1" href="ch1.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/><itemref idref="c2"/></spine></package>');
  e.file("OEBPS/ch1.xhtml", "<html><head><title>x</title></head><body><h1>Chapter One</h1><p>It was a dark night.</p></body></html>");
  e.file("OEBPS/ch2.xhtml", "<html><body><h1>Chapter Two</h1><p>Morning came.</p></body></html>");
  writeFileSync(join(dir, "book.epub"), await e.generateAsync({ type: "nodebuffer" }));
  const o = new JSZip();
  o.file("mimetype", "application/vnd.oasis.opendocument.text");
  o.file("content.xml", '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:h text:outline-level="2">Notes</text:h><text:p>First<text:s text:c="2"/>paragraph.</text:p><text:list><text:list-item><text:p>an item</text:p></text:list-item></text:list></office:text></office:body></office:document-content>');
  writeFileSync(join(dir, "notes.odt"), await o.generateAsync({ type: "nodebuffer" }));
  writeFileSync(join(dir, "readme.md"), "# Readme\n\nPlain Markdown beside them.\n");
  await writePdf(join(dir, "scan-free.pdf"), [prose(["A born-digital PDF page about pumps and their seals."]), prose(["Its second page, about valves."])]);
}

describe("office and e-book documents: .docx, .pptx, .epub, .odt through the text path", () => {
  it("a folder of DOCX, PPTX, EPUB, ODT, Markdown and PDF becomes one continued-pre-training file: headings, lists and tables kept as Markdown, slides with their notes, chapters in spine order, provenance by paragraph, slide and chapter", async () => {
    const d = tmp();
    await fixtures(d);
    const r = await run(["text", d, "--format", "text", "--metadata", join(d, "meta.jsonl"), "-o", join(d, "cpt.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(readFileSync(join(d, "cpt.jsonl"), "utf8")) as { text: string }[];
    const meta = lines(readFileSync(join(d, "meta.jsonl"), "utf8")) as Record<string, unknown>[];
    const of = (name: string) => recs.filter((_, i) => (meta[i]!.source as string).endsWith(name)).map((x) => x.text).join("\n\n");
    expect(of("guide.docx")).toBe("# Install Guide\n\nDownload the package and run the installer.\n\n## Requirements\n\n-   A 64-bit machine\n\n| Option | Default |\n| --- | --- |\n| --port | 8080 |");
    expect(of("deck.pptx")).toBe("Quarterly review\n\nNotes: Mention the revenue first.\n\nRevenue grew 12%\n\n## Outlook\n\nGrowth continues.");
    expect(of("book.epub")).toBe("# Chapter One\n\nIt was a dark night.\n\n# Chapter Two\n\nMorning came.");
    // Runs of spaces (<text:s text:c="2"/>) collapse as whitespace does in HTML.
    expect(of("notes.odt")).toBe("## Notes\n\nFirst paragraph.\n\n- an item");
    expect(of("readme.md")).toContain("# Readme");
    // A PDF in the folder is read as the pdf command reads it, by page.
    expect(of("scan-free.pdf")).toBe("A born-digital PDF page about pumps and their seals.\n\nIts second page, about valves.");
    expect(meta.find((m) => (m.source as string).endsWith("scan-free.pdf"))!.pages).toEqual([1, 2]);
    const unit = (name: string) => Object.keys(meta.find((m) => (m.source as string).endsWith(name))!).find((k) => ["paragraphs", "slides", "chapters", "lines"].includes(k));
    expect([unit("guide.docx"), unit("deck.pptx"), unit("book.epub"), unit("notes.odt"), unit("readme.md")]).toEqual(["paragraphs", "slides", "chapters", "paragraphs", "lines"]);
    expect(meta.find((m) => (m.source as string).endsWith("deck.pptx"))!.slides).toEqual([1, 3]);
    // Headings in provenance: each chunk's heading path where the document has headings.
    const headings = (name: string) => meta.find((m) => (m.source as string).endsWith(name))!.headings;
    expect([headings("guide.docx"), headings("book.epub"), headings("notes.odt"), headings("readme.md"), headings("deck.pptx")]).toEqual([["# Install Guide"], ["# Chapter One"], ["## Notes"], ["# Readme"], undefined]);
  });

  it("hostile and broken archives are refused with the bound they broke, naming the file; the other files are read", async () => {
    const d = tmp();
    mkdirSync(join(d, "in"));
    writeFileSync(join(d, "in", "ok.md"), "# Fine\n\nA normal file.\n");
    const many = new JSZip();
    for (let i = 0; i < 10_001; i++) many.file(`word/p${i}.xml`, "x");
    writeFileSync(join(d, "in", "many.docx"), await many.generateAsync({ type: "nodebuffer" }));
    const bomb = new JSZip();
    bomb.file("content.xml", Buffer.alloc(20 * 1024 ** 2)); // 20 MB of zeros: about 20 KB deflated
    writeFileSync(join(d, "in", "bomb.odt"), await bomb.generateAsync({ type: "nodebuffer", compression: "DEFLATE", compressionOptions: { level: 9 } }));
    writeFileSync(join(d, "in", "fake.pptx"), "this is not a zip file");
    const r = await run(["text", join(d, "in"), "-o", join(d, "out.jsonl")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/many\.docx: archive: 10,00\d entries in the archive, over the bound of 10,000/);
    expect(r.stderr).toMatch(/bomb\.odt: archive: content\.xml inflates \d+:1, over the bound of 200:1: refused \(a zip bomb\?\)/);
    expect(r.stderr).toMatch(/fake\.pptx: archive: not a readable zip archive/);
    expect((lines(readFileSync(join(d, "out.jsonl"), "utf8")) as { input: string }[]).map((x) => x.input)).toEqual(["# Fine\n\nA normal file."]);
  });
});

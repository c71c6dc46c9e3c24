import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MarkdownScanner } from "../../src/structure/markdown.js";
import { lines, run, tmp } from "../helpers/run.js";

interface Meta {
  source: string;
  lines?: [number, number];
  paragraphs?: [number, number];
  headings?: string[];
  tokens: number;
}

/** A guide as people write them: nested headings, a long section, a table longer than a chunk, code with `#` lines, a setext heading. */
function guide(): string {
  const out = ["# Guide", "", "What the guide covers, in one paragraph.", ""];
  out.push("## Install", "", Array.from({ length: 40 }, (_, i) => `Install step ${i} runs the installer with care.`).join(" "), "");
  out.push("## Configure", "", "A short section.", "");
  out.push("### Options", "", "| name | default | meaning |", "|---|---:|---|");
  for (let i = 0; i < 60; i++) out.push(`| opt${i} | ${i} | option number ${i} sets a value \\| or two |`);
  out.push("", "```bash", "# a comment in code, not a heading", "echo hi", "```", "", "## Usage", "", "Run it.", "", "Appendix", "========", "", "The end.", "");
  return out.join("\n");
}

/** The heading path at a line, found by reading the file from the top (the test's own reading, ATX and setext). */
function pathAtLine(text: string, line: number): string[] {
  let path: { level: number; label: string }[] = [];
  const ls = text.split("\n");
  let fence = false;
  for (let i = 0; i < line; i++) {
    const l = ls[i]!;
    if (l.startsWith("```")) fence = !fence;
    if (fence) continue;
    let h: { level: number; label: string } | undefined;
    const atx = /^(#{1,6}) (.*)$/.exec(l);
    if (atx) h = { level: atx[1]!.length, label: l };
    else if (/^=+$/.test(ls[i + 1] ?? "") && l.trim() && i + 1 < line) h = { level: 1, label: `# ${l}` };
    if (h) path = [...path.filter((p) => p.level < h!.level), h];
  }
  return path.map((p) => p.label);
}

describe("structure-aware chunks: headings as boundaries and provenance, tables never cut mid-row", () => {
  it("a Markdown guide: every chunk names its heading path, a chunk starts at a heading where the size allows, a table's parts repeat its header, code is not a heading, nothing is lost", async () => {
    const d = tmp();
    const src = guide();
    writeFileSync(join(d, "guide.md"), src);
    const r = await run(["text", join(d, "guide.md"), "--chunk-size", "200", "--format", "text", "--metadata", join(d, "meta.jsonl"), "-o", join(d, "out.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const recs = (lines(readFileSync(join(d, "out.jsonl"), "utf8")) as { text: string }[]).map((x) => x.text);
    const meta = lines(readFileSync(join(d, "meta.jsonl"), "utf8")) as Meta[];
    expect(recs.length).toBeGreaterThan(8);
    // The path of each chunk is the path in force at its first line, as reading the file from the top gives it.
    for (const m of meta) expect(m.headings, JSON.stringify(m)).toEqual(pathAtLine(src, m.lines![0]));
    expect(meta.some((m) => m.headings!.join(" > ") === "# Guide > ## Configure > ### Options")).toBe(true);
    expect(meta.at(-1)!.headings).toEqual(["# Guide", "## Usage"]);
    expect(recs.some((t) => /^# a comment/m.test(t) && !t.includes("```bash"))).toBe(false);
    // Each section that starts a chunk starts it at its heading, with no text of the section before.
    for (const h of ["## Install", "## Configure", "### Options"]) expect(recs.filter((t) => t.includes(h)).every((t) => t.startsWith(h))).toBe(true);
    // Table rows are whole wherever they are; a chunk that starts inside the table starts with its header.
    const header = "| name | default | meaning |\n|---|---:|---|";
    for (const t of recs) for (const l of t.split("\n")) if (l.startsWith("|")) expect(l.endsWith("|"), l).toBe(true);
    const parts = recs.filter((t) => t.includes("| opt"));
    expect(parts.length).toBeGreaterThan(3);
    for (const t of parts) expect(t.startsWith("### Options") || t.startsWith(header), t.slice(0, 80)).toBe(true);
    // Nothing lost: every line of the file is in some record.
    for (const l of src.split("\n").filter((x) => x.trim())) for (const sentence of l.split(/(?<=\.) /)) expect(recs.some((t) => t.includes(sentence)), sentence).toBe(true);
    // No heading is a chunk of its own.
    expect(recs.filter((t) => /^#+ [^\n]*$/.test(t))).toEqual([]);
  });

  it("--heading-context puts the path before each chunk's text (its own heading not repeated) and counts it; HTML headings give paths too", async () => {
    const d = tmp();
    writeFileSync(join(d, "guide.md"), guide());
    writeFileSync(join(d, "page.html"), `<html><body><h1>Pumps</h1><p>About pumps.</p><h2>Seals</h2>${Array.from({ length: 30 }, (_, i) => `<p>Seal fact ${i} is written here for the reader to learn about seals.</p>`).join("")}<h2>Valves</h2><p>Valves close.</p></body></html>`);
    const r = await run(["text", d, "--chunk-size", "200", "--heading-context", "--metadata", join(d, "meta.jsonl"), "-o", join(d, "out.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const recs = (lines(readFileSync(join(d, "out.jsonl"), "utf8")) as { input: string }[]).map((x) => x.input);
    const meta = lines(readFileSync(join(d, "meta.jsonl"), "utf8")) as Meta[];
    recs.forEach((t, i) => {
      const path = meta[i]!.headings!;
      // A chunk that starts at its own heading has the path above it; any other chunk the whole path.
      // (An HTML heading is its text in the record: the path writes it with its level.)
      const own = meta[i]!.source.endsWith(".html") ? path.at(-1)!.replace(/^#+ /, "") : path.at(-1)!;
      const atHeading = path.length === 1 ? own : `${path.slice(0, -1).join(" > ")}\n\n${own}\n`;
      expect(t.startsWith(atHeading) || t.startsWith(`${path.join(" > ")}\n\n`), t.slice(0, 80)).toBe(true);
    });
    const html = meta.map((m, i) => ({ m, t: recs[i]! })).filter((x) => x.m.source.endsWith("page.html"));
    expect(html.map((x) => x.m.headings!.join(" > "))).toContain("# Pumps > ## Seals");
    expect(html.at(-1)!.m.headings).toEqual(["# Pumps", "## Valves"]);
    const mid = html.find((x) => x.m.headings!.join(" > ") === "# Pumps > ## Seals" && !x.t.includes("\n\nSeals\n"))!;
    expect(mid.t.startsWith("# Pumps > ## Seals\n\n") && !mid.t.includes("About pumps")).toBe(true);
    // The tokens in --metadata are those of the text written, the path included.
    const { encode } = await import("gpt-tokenizer/encoding/cl100k_base");
    recs.forEach((t, i) => expect(meta[i]!.tokens).toBe(encode(t, { allowedSpecial: "all" }).length));
  });

  it("the scanner: ATX with closing #s, setext over a paragraph, fences of either kind, a table needs a matching delimiter row, a table open at a block's end goes on in the next", () => {
    const s = new MarkdownScanner();
    const a = s.scan(["## Title ##", "", "Para line one", "line two", "---", "", "~~~", "# code", "~~~", "", "a | b", "--- | ---", "1 | 2", "", "x | y", "--- | --- | ---", "", "#nohash", "| h1 | h2 |", "|----|----|", "| r1 | r1 |"].join("\n"));
    expect(a.headings.map((h) => [h.level, h.title])).toEqual([[2, "Title"], [2, "Para line one line two"]]);
    expect(a.tables).toHaveLength(2);
    expect(a.tables[0]!.header).toBe("a | b\n--- | ---");
    const b = s.scan("| r2 | r2 |\n| r3 | r3 |\n\nafter");
    expect(b.tables).toEqual([{ at: 0, bodyAt: 0, end: 23, header: "| h1 | h2 |\n|----|----|" }]);
    expect(s.scan("after the table\n").tables).toEqual([]);
  });
});

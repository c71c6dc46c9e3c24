import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prose, writePdf, type Run } from "../helpers/pdf.js";
import { lines, run, tmp } from "../helpers/run.js";

const ROWS = [
  ["Pump", "Flow (l/min)", "Service"],
  ["P-100", "120", "every 12 months"],
  ["P-200 | spare", "95", "every 6 months"],
  ["P-300", "240", "every 3 months"],
  ["P-400", "60", "yearly"],
];

/** A page with a title, a paragraph, a table drawn cell by cell at three column positions, and prose after it. */
function tablePage(rows = ROWS, top = 640): Run[] {
  const runs: Run[] = [...prose(["Pumps of the plant", "The table below lists every pump with its flow and how often it is serviced."], 720)];
  rows.forEach((r, i) => r.forEach((c, j) => runs.push({ text: c, x: [72, 220, 360][j]!, y: top - i * 16 })));
  runs.push(...prose(["After the table, a paragraph of prose goes on as usual."], top - rows.length * 16 - 40));
  return runs;
}

const texts = (p: string) => (lines(readFileSync(p, "utf8")) as { input: string }[]).map((r) => r.input);

describe("pdf --tables markdown: a table on a page becomes a Markdown table", () => {
  it("cells drawn at column positions come out as a Markdown table with its header; prose around it stays prose; --tables text leaves runs of text", async () => {
    const d = tmp();
    const pdf = join(d, "pumps.pdf");
    await writePdf(pdf, [tablePage()]);
    const r = await run(["pdf", pdf, "--tables", "markdown", "-o", join(d, "md.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const [text] = texts(join(d, "md.jsonl"));
    expect(text).toBe(
      [
        "Pumps of the plant",
        "The table below lists every pump with its flow and how often it is serviced.",
        "",
        "| Pump | Flow (l/min) | Service |",
        "| --- | --- | --- |",
        "| P-100 | 120 | every 12 months |",
        "| P-200 \\| spare | 95 | every 6 months |",
        "| P-300 | 240 | every 3 months |",
        "| P-400 | 60 | yearly |",
        "",
        "After the table, a paragraph of prose goes on as usual.",
      ].join("\n"),
    );
    const plain = await run(["pdf", pdf, "--engine", "pdfjs", "-o", join(d, "plain.jsonl")]);
    expect(plain.code).toBe(0);
    expect(texts(join(d, "plain.jsonl"))[0]).not.toContain("| --- |");
    const bad = await run(["pdf", pdf, "--tables", "markdown", "--engine", "poppler", "-o", join(d, "x.jsonl")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--tables markdown needs where each piece of text sits on the page");
  });

  it("lists with their markers apart, prose in two columns and short stray lines stay text; a table longer than a chunk repeats its header in each part", async () => {
    const d = tmp();
    const list: Run[] = [...prose(["What the service covers:"], 720)];
    ["Pumps and their seals", "Valves of every size", "Filters and strainers", "Pipework up to 200 mm"].forEach((t, i) => list.push({ text: "•", x: 80, y: 700 - i * 16 }, { text: t, x: 110, y: 700 - i * 16 }));
    const left = ["The plant runs three pumps in a row and", "each of them is serviced by the team on", "a schedule that depends on its hours of", "running and on the water it carries."];
    const right = ["Filters are changed when the pressure", "drop across them passes the limit that", "the maker gives for that filter model,", "or once a year if that comes first."];
    // Drawn line by line across both columns, as some layouts write them: one line of the page holds both.
    const columns: Run[] = left.flatMap((t, i) => [{ text: t, x: 72, y: 560 - i * 14 }, { text: right[i]!, x: 320, y: 560 - i * 14 }]);
    const pdf = join(d, "text.pdf");
    await writePdf(pdf, [[...list, ...columns]]);
    const r = await run(["pdf", pdf, "--tables", "markdown", "-o", join(d, "t.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const text = texts(join(d, "t.jsonl")).join("\n");
    expect(text).not.toContain("|");
    for (const t of [...left, ...right, "Pumps and their seals"]) expect(text).toContain(t);

    const long = [ROWS[0]!, ...Array.from({ length: 36 }, (_, i) => [`P-${100 + i}`, String(50 + i), `every ${1 + (i % 12)} months`])];
    const big = join(d, "big.pdf");
    await writePdf(big, [tablePage(long, 680)]);
    const c = await run(["pdf", big, "--tables", "markdown", "--chunk-size", "120", "--format", "text", "-o", join(d, "c.jsonl")]);
    expect(c.code, c.stderr).toBe(0);
    const parts = (lines(readFileSync(join(d, "c.jsonl"), "utf8")) as { text: string }[]).map((x) => x.text).filter((t) => t.includes("| P-1"));
    expect(parts.length).toBeGreaterThan(2);
    for (const t of parts) {
      const rows = t.split("\n").filter((l) => l.startsWith("|"));
      expect(rows[0], t.slice(0, 120)).toBe("| Pump | Flow (l/min) | Service |");
      expect(rows[1]).toBe("| --- | --- | --- |");
      for (const l of rows) expect(l.endsWith("|")).toBe(true);
    }
    // Every row of the table is in some part, whole.
    for (const r2 of long.slice(1)) expect(parts.some((t) => t.includes(`| ${r2[0]} | ${r2[1]} | ${r2[2]} |`)), r2[0]).toBe(true);
  });
});

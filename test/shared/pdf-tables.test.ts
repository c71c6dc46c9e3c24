import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines, run, tmp } from "../helpers/run.js";
import { HAVE_SHARED, SHARED } from "./shared.js";

const texts = (p: string) => (lines(readFileSync(p, "utf8")) as { input: string }[]).map((r) => r.input).join("\n");
const tableRows = (t: string) => t.split("\n").filter((l) => l.startsWith("| ") && l.endsWith(" |"));

describe.skipIf(!HAVE_SHARED)("pdf --tables markdown on the corpus: the typeset tables as their pages show them, code and lists left as written", () => {
  it("Free Culture's table of piracy cases, acmart's Table 1 and R-data's SQL types come out as Markdown tables with their rows; R-data's timed code and console output stay code; a bulleted brochure has no table", async () => {
    const d = tmp();
    const corpus = (f: string) => join(SHARED, "corpus/pdf", f);
    const got = async (f: string) => {
      const r = await run(["pdf", corpus(f), "--tables", "markdown", "-q", "-o", join(d, "out.jsonl")]);
      expect(r.code, r.stderr).toBeLessThanOrEqual(1);
      return texts(join(d, "out.jsonl"));
    };
    const fc = tableRows(await got("long-books/freeculture.pdf"));
    expect(fc).toContain("| CASE | WHOSE VALUE | RESPONSE OF | RESPONSE OF CONGRESS |");
    expect(fc).toContain("| Recordings | Composers | No protection | Statutory license |");
    expect(fc).toContain("| Cable TV | Broadcasters | No protection | Statutory license |");
    expect(fc).toContain("| Noncommercial | Free | Free |");

    const acm = tableRows(await got("multi-column/acmart-sample-sigconf.pdf"));
    expect(acm).toContain("| Non-English or Math | Frequency | Comments |");
    expect(acm).toContain("| Ø | 1 in 1,000 | For Swedish names |");

    const rdata = await got("tables/R-data.pdf");
    const rows = tableRows(rdata);
    expect(rows).toContain("| boolean | true or false. Sometimes called bool or bit. |");
    expect(rows.some((r) => r.includes("# 0.44s") || r.includes("23646"))).toBe(false); // fixed-pitch code and output
    expect(rdata).toContain("23646");

    expect(tableRows(await got("encrypted/pdftools-owner-only.pdf"))).toEqual([]); // its bullets are lists
  }, 300_000);
});

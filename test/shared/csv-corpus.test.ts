import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import fg from "fast-glob";
import { describe, expect, it } from "vitest";
import { readCsv, type SourceItem } from "../../src/index.js";
import { HAVE_SHARED, SHARED } from "./shared.js";

async function collect(path: string, opts = {}): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const x of readCsv(path, opts)) out.push(x);
  return out;
}

describe.skipIf(!HAVE_SHARED)("../shared/corpus/csv", () => {
  const spectrum = join(SHARED, "corpus/csv/csv-spectrum");

  it("every csv-spectrum file parses to its expected JSON", async () => {
    const files = HAVE_SHARED ? readdirSync(join(spectrum, "csvs")) : [];
    expect(files.length).toBe(12);
    for (const f of files) {
      let expected = JSON.parse(readFileSync(join(spectrum, "json", basename(f, ".csv") + ".json"), "utf8"));
      const items = await collect(join(spectrum, "csvs", f));
      if (f === "location_coordinates.csv") {
        // Upstream's expected file is a bare object with a different phone number than its CSV (2095257564).
        expected = [{ ...expected, "Contact Phone Number": "2095257564" }];
      }
      expect(items.filter((i) => i.type === "finding"), f).toEqual([]);
      expect(items.map((i) => (i.type === "row" ? i.values : null)), f).toEqual(expected);
    }
  });

  it("every other CSV gives records or line-numbered findings, never a crash", async () => {
    const files = HAVE_SHARED ? await fg(["csv-parser-fixtures/**/*.csv", "papaparse/**/*.csv"], { cwd: join(SHARED, "corpus/csv"), absolute: true }) : [];
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) {
      const items = await collect(f);
      expect(items.length, f).toBeGreaterThan(0);
      for (const i of items) {
        if (i.type === "finding") {
          expect(i.origin.source).toBe(f);
          expect(typeof i.origin.line === "number" || ["csv-syntax", "no-rows"].includes(i.reason), `${f}: ${i.message}`).toBe(true);
        }
      }
    }
  });

  it("the papaparse fast path and csv-parse give the same items for every corpus CSV and DialogSum split, whole and in byte ranges", async () => {
    const { byteRange } = await import("../../src/sources/range.js");
    const files = HAVE_SHARED ? await fg(["**/*.csv", "**/*.tsv"], { cwd: join(SHARED, "corpus/csv"), absolute: true }) : [];
    const dialogsum = HAVE_SHARED ? await fg(["*.csv"], { cwd: join(SHARED, "datasets/hf/datasets/knkarthick/dialogsum/main"), absolute: true }) : [];
    expect(files.length).toBeGreaterThan(40);
    expect(dialogsum.length).toBe(4);
    const fastFiles: string[] = [];
    for (const f of [...files, ...dialogsum]) {
      const { fastBytes } = await import("../../src/sources/csv-fast.js");
      if (await fastBytes(f)) fastFiles.push(f);
      expect(await collect(f), f).toEqual(await collect(f, { fast: false }));
    }
    // The fast path did run (files with a CR or invalid UTF-8 are csv-parse's alone), DialogSum's among them.
    expect(fastFiles.length).toBeGreaterThan(20);
    for (const f of dialogsum) expect(fastFiles).toContain(f);
    for (const f of dialogsum) {
      for (let index = 0; index < 3; index++) {
        const range = await byteRange(f, { index, count: 3 }, { csv: true });
        expect(await collect(f, { range }), `${f} ${index}/3`).toEqual(await collect(f, { range, fast: false }));
      }
    }
  });

  it("ragged rows are reported with their line", async () => {
    const items = await collect(join(SHARED, "corpus/csv/csv-parser-fixtures/strict-false-more-columns.csv"));
    const ragged = items.filter((i) => i.type === "finding" && i.reason === "ragged-row");
    expect(ragged.length).toBeGreaterThan(0);
    expect(ragged.every((r) => typeof r.origin.line === "number" && r.origin.line > 1)).toBe(true);
  });

  it("UTF-16 files with a BOM, Latin-1 with --encoding, and CR-only line ends decode to the same rows as UTF-8", async () => {
    const dir = join(SHARED, "corpus/csv/csv-parser-fixtures/bench");
    const utf8 = (await collect(join(dir, "utf8.csv"))).filter((i) => i.type === "row");
    const utf16 = (await collect(join(dir, "utf16.csv"))).filter((i) => i.type === "row");
    expect(utf16.map((i) => (i.type === "row" ? i.values : 0))).toEqual(utf8.map((i) => (i.type === "row" ? i.values : 0)));
    const latin = await collect(join(dir, "latin.csv"), { encoding: "latin1" });
    expect(latin.some((i) => i.type === "row")).toBe(true);
    expect(JSON.stringify(latin)).not.toContain("\uFFFD");
    const mac = (await collect(join(dir, "mac-newlines.csv"))).filter((i) => i.type === "row");
    expect(mac.length).toBeGreaterThan(1);
  });
});

import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines, run, tmp } from "../helpers/run.js";
import { HAVE_SHARED, SHARED } from "./shared.js";

const PDF = join(SHARED, "corpus/pdf");
const HAVE_POPPLER = !spawnSync("pdftotext", ["-v"]).error;
if (HAVE_SHARED && !HAVE_POPPLER) console.warn("\n*** SKIPPING the poppler engine comparison: pdftotext not found (apt-get install poppler-utils) ***\n");

/** The born-digital files of the corpus (multi-column, tables, non-latin, odd, a book). */
const BORN_DIGITAL = [
  "multi-column/acmart-sample-sigconf.pdf", "multi-column/mnras_guide.pdf", "multi-column/refcard-en-a4.pdf",
  "non-latin/ArabicCIDTrueType.pdf", "non-latin/install.ja.pdf", "non-latin/install.ko.pdf", "non-latin/install.ru.pdf", "non-latin/pdftools-chinese.pdf",
  "non-latin/quran-doc.pdf", "non-latin/refcard-zh_CN-a4.pdf", "non-latin/vertical-ja.pdf",
  "odd/live-manual-mostly-blank.pdf", "odd/rotation.pdf", "tables/R-data.pdf", "tables/css-colors-vector-text.pdf", "long-books/freeculture.pdf",
];

/** Words as a bag (with counts); scripts written without spaces count by character, as a line break may fall anywhere. */
function bag(t: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of t.normalize("NFKC").toLowerCase().match(/[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{sc=Arabic}]|[[\p{L}\p{N}]--[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{sc=Arabic}]]+/gv) ?? []) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

/** The share of `ref`'s words (with multiplicity) that `got` has. */
function recall(ref: Map<string, number>, got: Map<string, number>): number {
  let all = 0;
  let hit = 0;
  for (const [w, n] of ref) {
    all += n;
    hit += Math.min(n, got.get(w) ?? 0);
  }
  return all ? hit / all : 1;
}

/** The records' text of one run, by source file (from --metadata). */
async function recordsByFile(engine: string): Promise<{ by: Map<string, string>; stderr: string }> {
  const d = tmp();
  const r = await run(["pdf", ...BORN_DIGITAL.map((f) => join(PDF, f)), "--engine", engine, "--chunk-overlap", "0", "--metadata", join(d, "m.jsonl"), "--max-findings", "100000", "-o", join(d, "o.jsonl")], { env: { PREP_DATA_PDFTOTEXT: undefined } });
  expect([0, 1], r.stderr).toContain(r.code);
  const recs = lines(readFileSync(join(d, "o.jsonl"), "utf8")) as { input: string }[];
  const meta = lines(readFileSync(join(d, "m.jsonl"), "utf8")) as { source: string }[];
  const by = new Map<string, string>();
  recs.forEach((x, i) => by.set(meta[i]!.source, (by.get(meta[i]!.source) ?? "") + x.input + "\n"));
  return { by, stderr: r.stderr };
}

describe.skipIf(!HAVE_SHARED || !HAVE_POPPLER)("the poppler engine against pdf.js on the shared corpus", () => {
  it("its records hold the words pdf.js's records hold, and pdftotext's own text, file by file", async () => {
    const [{ by: pdfjs }, { by: poppler, stderr }] = await Promise.all([recordsByFile("pdfjs"), recordsByFile("poppler")]);
    // No born-digital page is taken for garbled text but the Russian guide's b’’-interleaved preseed pages.
    const garbled = [...stderr.matchAll(/^error: (.*?) page \d+: garbled-text/gm)].map((m) => m[1]!);
    expect(garbled.length).toBeGreaterThan(0);
    expect(new Set(garbled.map((f) => f.slice(PDF.length + 1)))).toEqual(new Set(["non-latin/install.ru.pdf"]));
    const rows: string[] = [];
    const toRef: number[] = [];
    for (const f of BORN_DIGITAL) {
      const path = join(PDF, f);
      const ref = bag(execFileSync("pdftotext", ["-enc", "UTF-8", "-q", path, "-"], { encoding: "utf8", maxBuffer: 1 << 28 }));
      const pj = bag(pdfjs.get(path) ?? "");
      const pp = bag(poppler.get(path) ?? "");
      const [a, b, c] = [recall(pj, pp), recall(pp, pj), recall(ref, pp)];
      rows.push(`${f.padEnd(42)} poppler ⊇ pdf.js ${a.toFixed(3)}  pdf.js ⊇ poppler ${b.toFixed(3)}  poppler records ⊇ pdftotext ${c.toFixed(3)}`);
      toRef.push(c);
      // Both engines go through the same lines → boilerplate → chunk path: what differs is the text layer's reading.
      expect(a, f).toBeGreaterThanOrEqual(0.95);
      expect(b, f).toBeGreaterThanOrEqual(0.85);
      // Running heads removed and garbled pages refused are all that the records lack of pdftotext's text.
      expect(c, f).toBeGreaterThanOrEqual(0.9);
    }
    console.log(rows.join("\n"));
    toRef.sort((x, y) => x - y);
    expect(toRef[toRef.length >> 1]).toBeGreaterThanOrEqual(0.98);
  });

  it("passwords, damaged files and garbled pages: the same findings as pdf.js, the pdf.js fallback for what poppler cannot open (auto)", async () => {
    const enc = await run(["pdf", join(PDF, "encrypted/issue6010_2-pw-aeoeaa.pdf"), "--engine", "poppler", "--password", "æøå".normalize("NFD"), "-o", "-"], { env: { PREP_DATA_PDFTOTEXT: undefined } });
    expect(enc.code, enc.stderr).toBe(0);
    expect(enc.stdout).toContain("Issue 6010");
    const none = await run(["pdf", join(PDF, "encrypted/pdftools-password-test.pdf"), "--engine", "poppler", "-o", "-"], { env: { PREP_DATA_PDFTOTEXT: undefined } });
    expect(none.stderr).toMatch(/pdf-password: needs a password \(--password\)/);
    const ru = await run(["pdf", join(PDF, "non-latin/install.ru.pdf"), "--engine", "poppler", "-o", "-", "-q"], { env: { PREP_DATA_PDFTOTEXT: undefined } });
    expect(ru.stderr).toMatch(/install\.ru\.pdf page \d+: garbled-text/);
    // A file poppler refuses outright is handed to pdf.js under auto, whose message names the damage.
    const bad = join(PDF, "damaged/REDHAT-1531897-0.pdf");
    const strict = await run(["pdf", bad, "--engine", "poppler", "-o", "-"], { env: { PREP_DATA_PDFTOTEXT: undefined } });
    expect(strict.stderr).toMatch(/pdftotext cannot read it/);
    const auto = await run(["pdf", bad, "-o", "-"], { env: { PREP_DATA_PDFTOTEXT: undefined } });
    expect(auto.stderr).toMatch(/REDHAT-1531897-0\.pdf: pdf: not a valid PDF/);
  });
});

import { execFileSync, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { prose, writePdf } from "../helpers/pdf.js";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, ROOT, lines, run, tmp } from "../helpers/run.js";

const hasPython = spawnSync("python3", ["-c", "import pty"]).status === 0;
if (!hasPython) console.warn("SKIPPED progress-line tests: python3 (for a pseudo-terminal) is not installed");

/** Run the CLI with stderr on a pseudo-terminal (80 columns unless `cols`) and stdout on a pipe. */
function onTty(args: string[], tty: { cols?: number; sigintAfter?: number; sigints?: number } = {}): { code: number; stdout: string; stderr: string; afterSignal: number | null } {
  const env = { ...process.env, TERM: "xterm", TTY_COLS: String(tty.cols ?? 80), ...(tty.sigintAfter !== undefined ? { TTY_SIGINT_AFTER: String(tty.sigintAfter), TTY_SIGINT_TIMES: String(tty.sigints ?? 1) } : {}) };
  const out = execFileSync("python3", [join(ROOT, "test/helpers/on-tty.py"), process.execPath, BIN, ...args], { encoding: "utf8", maxBuffer: 1 << 28, env });
  return JSON.parse(out);
}

/** Each drawing of the progress line (the text between cursor-to-column-1 and erase-to-end-of-line). */
function drawnLines(tty: string): string[] {
  return [...tty.matchAll(/\x1b\[1G([^\x1b\n]*)\x1b\[0K/g)].map((m) => m[1]!).filter(Boolean);
}

async function bigCsv(dir: string, rows: number): Promise<string> {
  const p = join(dir, "big.csv");
  const w = createWriteStream(p);
  w.write("q,a\nonly one field\n");
  for (let i = 0; i < rows; i++) w.write(`question number ${i} about something,answer ${i} with a few more words\n`);
  await new Promise((r) => w.end(r));
  return p;
}

/** The terminal's lines as a user sees them: escape sequences dropped, \r and cursor-to-column-1 start over. */
function screenLines(tty: string): string[] {
  return tty
    .replace(/\x1b\[1G/g, "\r")
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
    .split(/\r\n|\n/)
    .map((l) => l.split("\r").filter(Boolean).pop() ?? "");
}

describe.skipIf(!hasPython)("the progress line on a terminal", () => {
  it("shows done / total, percent, rate and ETA on stderr; other lines are printed clear of it; stdout stays records only", async () => {
    const d = tmp();
    const csv = await bigCsv(d, 150_000);
    const r = onTty(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "-o", "-"], { cols: 160 });
    expect(r.code).toBe(1);
    // Every stdout line is a record: the progress line never goes there.
    expect(lines(r.stdout)).toHaveLength(150_000);
    expect(r.stdout).not.toMatch(/ETA|%/);
    // The line itself: percent, MB done / total, MB/s, ETA, the counts.
    expect(r.stderr).toMatch(/reading big\.csv [=-]+ \d+% [\d.]+ MB \/ [\d.]+ MB {2}[\d.]+ MB\/s {2}ETA \d+s/);
    expect(r.stderr).toMatch(/read [\d,]+ {2}written [\d,]+ {2}rejected 1/);
    // The finding and the summary each stand on a line of their own, with nothing of the progress line glued on.
    const screen = screenLines(r.stderr);
    expect(screen).toContain("error: " + csv + ":2: ragged-row: row has 1 field, the header has 2");
    const summary = screen.find((l) => l.startsWith("read 150001,"));
    expect(summary).toMatch(/^read 150001, written 150000, rejected 1 \(ragged-row 1\) → stdout in [\d.]+ s$/);
    // Cleared at the end: the last thing on the terminal is the summary.
    expect(screen.filter(Boolean).at(-1)).toBe(summary);
  });

  it("validate shows it too; -q and a non-terminal stderr show none", async () => {
    const d = tmp();
    const f = join(d, "t.jsonl");
    const w = createWriteStream(f);
    for (let i = 0; i < 200_000; i++) w.write(JSON.stringify({ prompt: `question ${i} ${"x".repeat(40)}`, completion: "answer" }) + "\n");
    await new Promise((res) => w.end(res));
    const v = onTty(["validate", f, "-m", "titan-express"], { cols: 160 });
    expect(v.code).toBe(0);
    expect(v.stderr).toMatch(/validating t\.jsonl [=-]+ \d+% [\d.]+ MB \/ [\d.]+ MB {2}[\d.]+ MB\/s {2}ETA/);
    expect(v.stdout).toContain("t.jsonl: instruction, 200,000 records");
    const q = onTty(["validate", f, "-m", "titan-express", "-q"]);
    expect(q.stderr).toBe("");
    const pipe = await run(["validate", f, "-m", "titan-express"]);
    expect(pipe.stderr).not.toMatch(/ETA|\x1b/);
  });

  it("at 80 columns every message is printed whole (the terminal's wrapping is never turned off) and the line fits the width", async () => {
    const d = join(tmp(), "a-folder-with-a-rather-long-name-as-company-shares-have", "and-another-level-below-it");
    mkdirSync(d, { recursive: true });
    const csv = await bigCsv(d, 150_000);
    const r = onTty(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "-o", join(d, "o.jsonl")]);
    expect(r.code).toBe(1);
    const message = `error: ${csv}:2: ragged-row: row has 1 field, the header has 2`;
    expect(message.length).toBeGreaterThan(100);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain("\x1b[?7l"); // cli-progress's default: line wrapping off, every longer line cut
    const drawn = drawnLines(r.stderr);
    expect(drawn.length).toBeGreaterThan(0);
    expect(drawn.every((l) => [...l].length <= 80)).toBe(true);
    expect(drawn.some((l) => /^reading big\.csv( [=-]+)? \d+% [\d.]+ MB \/ [\d.]+ MB .*ETA \d+s  read [\d,]+/.test(l)), drawn.slice(0, 4).join("\n")).toBe(true);
  });

  it("Ctrl-C stops validate --stats and stats at once with 130, while reading or counting", async () => {
    const d = tmp();
    const f = join(d, "mid.jsonl");
    const w = createWriteStream(f);
    for (let i = 0; i < 300_000; i++) w.write(JSON.stringify({ prompt: `question ${i} ${"word ".repeat(60)}`, completion: "answer ".repeat(20) }) + "\n");
    await new Promise((res) => w.end(res));
    for (const args of [["validate", f, "--model", "llama3.1-8b", "--stats"], ["stats", f, "--tokenizer", "llama3"]]) {
      const r = onTty(args, { sigintAfter: 1.5 });
      expect(r.code, `${args[0]}: ${r.stderr.slice(-300)}`).toBe(130);
      expect(r.afterSignal!).toBeLessThan(2);
      expect(r.stderr).toContain("interrupted by SIGINT");
    }
  });

  it("pdf shows progress by pages, the total known once the document opens", async () => {
    const d = tmp();
    const pdf = join(d, "book.pdf");
    await writePdf(pdf, Array.from({ length: 400 }, (_, i) => prose([`Page ${i + 1} of the book.`, "The pump must be primed before it starts and the filter serviced every month.", "Check the valves, record the pressure, and close the cover."])));
    const r = onTty(["pdf", pdf, "--engine", "pdfjs", "-o", join(d, "o.jsonl")]);
    expect(r.code, r.stderr.slice(-500)).toBe(0);
    const drawn = drawnLines(r.stderr);
    expect(drawn.some((l) => /^extracting book\.pdf .*\d+% [\d,]+ pages \/ 400 pages .*ETA .*0\/1 files/.test(l)), drawn.slice(0, 5).join("\n")).toBe(true);
    expect(drawn.every((l) => [...l].length <= 80)).toBe(true);
  });
});

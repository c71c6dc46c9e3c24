import { execFileSync, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, ROOT, lines, run, tmp } from "../helpers/run.js";

const hasPython = spawnSync("python3", ["-c", "import pty"]).status === 0;
if (!hasPython) console.warn("SKIPPED progress-line tests: python3 (for a pseudo-terminal) is not installed");

/** Run the CLI with stderr on a pseudo-terminal and stdout on a pipe. */
function onTty(args: string[]): { code: number; stdout: string; stderr: string } {
  const out = execFileSync("python3", [join(ROOT, "test/helpers/on-tty.py"), process.execPath, BIN, ...args], { encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, TERM: "xterm" } });
  return JSON.parse(out);
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
    const r = onTty(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "-o", "-"]);
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
    const v = onTty(["validate", f, "-m", "titan-express"]);
    expect(v.code).toBe(0);
    expect(v.stderr).toMatch(/validating t\.jsonl [=-]+ \d+% [\d.]+ MB \/ [\d.]+ MB {2}[\d.]+ MB\/s {2}ETA/);
    expect(v.stdout).toContain("t.jsonl: instruction, 200,000 records");
    const q = onTty(["validate", f, "-m", "titan-express", "-q"]);
    expect(q.stderr).toBe("");
    const pipe = await run(["validate", f, "-m", "titan-express"]);
    expect(pipe.stderr).not.toMatch(/ETA|\x1b/);
  });
});

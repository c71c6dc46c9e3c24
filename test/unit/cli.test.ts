import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines, run, tmp } from "../helpers/run.js";

function csvFile(content: string, name = "qa.csv"): string {
  const p = join(tmp(), name);
  writeFileSync(p, content);
  return p;
}

describe("prep-data CLI", () => {
  it("--help works for every command", async () => {
    const top = await run(["--help"]);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^  (\w[\w-]*)/gm)].map((m) => m[1]).filter((c) => c !== "help");
    expect(commands).toEqual(expect.arrayContaining(["dialogsum", "csv", "json", "parquet", "hf"]));
    for (const c of commands) {
      const r = await run([c!, "--help"]);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toContain(`Usage: prep-data ${c}`);
    }
  });

  it("csv → instruction: writes records, rejects bad rows with their line, counts them, exits 1", async () => {
    const input = csvFile('question,answer\nWhat is 2+2?,4\n"Multi\nline?",yes\nragged,row,here\nEmpty answer,\n');
    const out = join(tmp(), "out.jsonl");
    const r = await run(["csv", input, "--prompt", "Q: {question}", "--completion", "{answer}", "-o", out]);
    expect(r.code).toBe(1);
    expect(lines(readFileSync(out, "utf8"))).toEqual([
      { prompt: "Q: What is 2+2?", completion: "4" },
      { prompt: "Q: Multi\nline?", completion: "yes" },
    ]);
    expect(r.stderr).toContain(`${input}:5: ragged-row: row has 3 fields, the header has 2`);
    expect(r.stderr).toContain(`${input}:6: empty: completion: completion is empty`);
    expect(r.stderr).toMatch(/read 4, written 2, rejected 2 \((ragged-row 1, empty 1|empty 1, ragged-row 1)\)/);
  });

  it("reads stdin with -, writes stdout with -o -, and renders messages with a system template", async () => {
    const r = await run(["csv", "-", "--format", "messages", "--user", "{q}", "--assistant", "{a}", "--system", "Topic: {t}", "-o", "-"], { input: "q,a,t\nhi,hello,greetings\n" });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual([{ system: "Topic: greetings", messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }] }]);
  });

  it("cpt from a text column; usage errors exit 2", async () => {
    const input = csvFile("text\nOne page of a book.\n");
    const ok = await run(["csv", input, "--format", "cpt", "--text", "{text}"]);
    expect(lines(ok.stdout)).toEqual([{ input: "One page of a book." }]);
    const noTpl = await run(["csv", input]);
    expect(noTpl.code).toBe(2);
    expect(noTpl.stderr).toContain("needs --prompt (or --user) and --completion");
    const sys = await run(["csv", input, "--prompt", "{text}", "--completion", "{text}", "--system", "x"]);
    expect(sys.code).toBe(2);
    const badOpt = await run(["csv", input, "--limit", "zero"]);
    expect(badOpt.code).toBe(2);
    const badFormat = await run(["csv", input, "--format", "alpaca"]);
    expect(badFormat.code).toBe(2);
    const unknownExt = await run(["json", join(tmp(), "data.txt"), "--prompt", "{a}", "--completion", "{b}"]);
    expect(unknownExt.code).toBe(2);
    expect(unknownExt.stderr).toContain("cannot tell the data format");
  });

  it("several files in one run: a missing file is reported and the others are still written", async () => {
    const a = csvFile("q,a\n1,one\n", "a.csv");
    const b = join(tmp(), "b.jsonl");
    writeFileSync(b, '{"q":"2","a":"two"}\n');
    const out = join(tmp(), "o.jsonl");
    const r = await run(["json", b, join(tmp(), "missing.jsonl"), "--prompt", "{q}", "--completion", "{a}", "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\.jsonl: file: no such file/);
    expect(lines(readFileSync(out, "utf8"))).toEqual([{ prompt: "2", completion: "two" }]);
    const mixed = await run(["csv", a, "--prompt", "{q}", "--completion", "{a}", "--limit", "1", "-o", "-"]);
    expect(lines(mixed.stdout)).toHaveLength(1);
  });

  it("--validation-fraction splits records into two files, the same way on every run", async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `q${i},a${i}`).join("\n");
    const input = csvFile(`q,a\n${rows}\n`);
    const dir = tmp();
    const args = ["csv", input, "--prompt", "{q}", "--completion", "{a}", "--validation-fraction", "0.2", "-o", join(dir, "train.jsonl")];
    const r = await run(args);
    expect(r.code, r.stderr).toBe(0);
    const train = lines(readFileSync(join(dir, "train.jsonl"), "utf8"));
    const val = lines(readFileSync(join(dir, "validation.jsonl"), "utf8"));
    expect(train.length + val.length).toBe(200);
    expect(val.length).toBeGreaterThan(20);
    expect(val.length).toBeLessThan(60);
    const first = readFileSync(join(dir, "validation.jsonl"), "utf8");
    await run(args);
    expect(readFileSync(join(dir, "validation.jsonl"), "utf8")).toBe(first);
  });

  it("a failed run leaves no output file behind", async () => {
    const out = join(tmp(), "never.jsonl");
    const r = await run(["csv", csvFile("a,b\n1,2\n"), "--prompt", "{nope}", "--completion", "{b}", "-o", out]);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe("pipes", () => {
  it("stops quietly when the reader of stdout goes away (prep-data … | head)", async () => {
    const { spawnSync } = await import("node:child_process");
    const input = csvFile(`q,a\n${"hello,world\n".repeat(200_000)}`);
    const r = spawnSync("sh", ["-c", `"${process.execPath}" bin/prep-data.js csv "${input}" --prompt '{q}' --completion '{a}' | head -c 100 > /dev/null; echo "status=\${PIPESTATUS:-}"`], { encoding: "utf8" });
    expect(r.stderr).not.toContain("EPIPE");
    expect(r.stderr).not.toContain("internal error");
  });
});

describe("template escapes", () => {
  it("\\n, \\t and \\\\ in template options become newline, tab and one backslash", async () => {
    const r = await run(["csv", "-", "--prompt", "{q}\\n\\n{a}\\tx\\\\y", "--completion", "{a}"], { input: "q,a\none,two\n" });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ prompt: "one\n\ntwo\tx\\y", completion: "two" });
  });
});

describe("train / validation / test splits", () => {
  it("--test-fraction makes three files by one stable rule; --group-by keeps a group in one split", async () => {
    const d = tmp();
    const csv = join(d, "in.csv");
    // 60 documents, each with 5 questions: rows of one document must stay together.
    writeFileSync(csv, "doc,q,a\n" + Array.from({ length: 300 }, (_, i) => `doc${Math.floor(i / 5)},q${i},a${i}`).join("\n") + "\n");
    const args = (out: string, extra: string[] = []) => ["csv", csv, "--prompt", "{doc}: {q}", "--completion", "{a}", "-o", join(d, out), "--validation-fraction", "0.2", "--test-fraction", "0.2", ...extra];
    const r = await run(args("train.jsonl"));
    expect(r.code, r.stderr).toBe(0);
    const read = (f: string) => (lines(readFileSync(join(d, f), "utf8")) as { prompt: string }[]).map((x) => x.prompt);
    const [tr, va, te] = [read("train.jsonl"), read("validation.jsonl"), read("test.jsonl")];
    expect(tr.length + va.length + te.length).toBe(300);
    expect(va.length).toBeGreaterThan(30);
    expect(te.length).toBeGreaterThan(30);
    expect(r.stderr).toMatch(new RegExp(`written 300 \\(${va.length} to validation, ${te.length} to test\\)`));
    // The same split on a second run.
    await run(args("again.jsonl", ["--validation-output", join(d, "v2.jsonl"), "--test-output", join(d, "t2.jsonl")]));
    expect(read("t2.jsonl")).toEqual(te);
    // Without --group-by a document's questions spread over the splits; with it, never.
    const docsOf = (xs: string[]) => new Set(xs.map((p) => p.split(":")[0]));
    const overlap = (a: Set<string>, b: Set<string>) => [...a].filter((x) => b.has(x)).length;
    expect(overlap(docsOf(tr), docsOf(te))).toBeGreaterThan(0);
    const g = await run(args("gtrain.jsonl", ["--group-by", "{doc}"]));
    expect(g.code, g.stderr).toBe(0);
    const [gtr, gva, gte] = [read("gtrain.jsonl"), read("gvalidation.jsonl"), read("gtest.jsonl")].map(docsOf);
    expect(overlap(gtr, gva) + overlap(gtr, gte) + overlap(gva, gte)).toBe(0);
    expect(gtr.size + gva.size + gte.size).toBe(60);
    const bad = await run(args("x.jsonl", ["--validation-fraction", "0.6", "--test-fraction", "0.5"]));
    expect(bad.code).toBe(2);
  });
});

describe("the bundled CLI (dist/cli-bundle, what bin/prep-data.js loads)", () => {
  it("runs on its own: a CSV job, and a PDF job whose pdf.js worker threads start from dist/", async () => {
    const { spawnSync } = await import("node:child_process");
    const { ROOT } = await import("../helpers/run.js");
    const { prose, writePdf } = await import("../helpers/pdf.js");
    const d = tmp();
    const csv = join(d, "in.csv");
    writeFileSync(csv, "q,a\nwhat,that\n");
    const pdf = join(d, "doc.pdf");
    await writePdf(pdf, [prose(["A page of plain words for the bundled reader to chunk.", "Another line of words here."]), prose(["The second page has words too."])]);
    // A script file, not `node -e`: worker threads inherit the process's execArgv, and `-e` would run in them too.
    const script = join(d, "run-bundle.mjs");
    writeFileSync(script, `const { main } = await import(${JSON.stringify(join(ROOT, "dist/cli-bundle/main.js"))});\nprocess.exitCode = await main(process.argv);\n`);
    const go = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8", env: { ...process.env, PREP_DATA_PDFTOTEXT: "/nonexistent/pdftotext" } });
    const a = go("csv", csv, "--prompt", "{q}", "--completion", "{a}", "-o", "-", "-q");
    expect(a.status, a.stderr).toBe(0);
    expect(lines(a.stdout)).toEqual([{ prompt: "what", completion: "that" }]);
    const p = go("pdf", pdf, "--engine", "pdfjs", "-j", "2", "-o", "-", "-q");
    expect(p.status, p.stderr).toBe(0);
    expect((lines(p.stdout) as { input: string }[]).map((r) => r.input).join(" "), p.stderr).toContain("The second page has words too.");
  });
});

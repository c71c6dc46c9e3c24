import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines, run, tmp } from "../helpers/run.js";

const rec = (i: number, tail = "") => JSON.stringify({ prompt: `Question ${i}: how does the pump at station ${i} start after a long winter shutdown${tail}?`, completion: `Prime it, open valve ${i}, then start it.` });

function file(dir: string, name: string, rows: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, rows.join("\n") + "\n");
  return p;
}

describe("dataset operations", () => {
  it("dedup: exact duplicates (whitespace-normalised) and, with --near, near-duplicates; the first is kept, each removal in --rejects with the kept line", async () => {
    const d = tmp();
    const rows = Array.from({ length: 100 }, (_, i) => rec(i));
    rows.push(rec(3)); // exact, line 101
    rows.push(rec(4).replace("how does", "how  does")); // exact after whitespace normalisation, line 102
    // near, line 103: the same words with different punctuation and case (not an exact duplicate)
    rows.push(JSON.stringify({ prompt: `question 5 - how does the pump at station 5 start after a long winter shutdown?!`, completion: "Prime it; open valve 5, then start it!" }));
    const f = file(d, "in.jsonl", rows);
    const ex = await run(["dedup", f, "-o", join(d, "exact.jsonl"), "--rejects", join(d, "rej.jsonl")]);
    expect(ex.code, ex.stderr).toBe(0);
    expect(lines(readFileSync(join(d, "exact.jsonl"), "utf8"))).toHaveLength(101);
    expect(ex.stderr).toMatch(/dedup: read 103, written 101, removed 2 \(duplicate 2\)/);
    const near = await run(["dedup", f, "--near", "-o", join(d, "near.jsonl"), "--rejects", join(d, "rej2.jsonl")]);
    expect(near.stderr).toMatch(/removed 3 \(duplicate 2, near-duplicate 1\)/);
    const rej = lines(readFileSync(join(d, "rej2.jsonl"), "utf8")) as { line: number; reason: string; kept: string }[];
    expect(rej.map((r) => [r.line, r.reason, r.kept])).toEqual([
      [101, "duplicate", `${f}:4`],
      [102, "duplicate", `${f}:5`],
      [103, "near-duplicate", `${f}:6`],
    ]);
    // No false positives among the 100 distinct records.
    expect(lines(readFileSync(join(d, "near.jsonl"), "utf8"))).toEqual(rows.slice(0, 100).map((r) => JSON.parse(r)));
  });

  it("dedup writes the kept lines byte for byte as read (spacing, key order, escapes); a copy in other spacing is still a duplicate", async () => {
    const d = tmp();
    const kept = ['{"prompt": "What is   the pump for?",  "completion": "It moves water \\u00e9"}', '  {"completion":"b","prompt":"a"}', '{"prompt":"\\u00c9t\\u00e9","completion":"x"}'];
    const copies = ['{"prompt":"What is the pump for?","completion":"It moves water \\u00e9"}', '{"completion": "b", "prompt": "a"}'];
    const f = file(d, "in.jsonl", [...kept, ...copies]);
    const r = await run(["dedup", f, "-o", join(d, "out.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/read 5, written 3, removed 2 \(duplicate 2\)/);
    // As read, but for the whitespace around the object (JSON allows it; it is not part of the record).
    expect(readFileSync(join(d, "out.jsonl"), "utf8")).toBe(kept.map((l) => l.trim()).join("\n") + "\n");
  });

  it("dedup of big files (parsed in a worker) removes, refuses and writes exactly what the one-thread path does: blank, broken, non-object and invalid UTF-8 lines, a BOM, duplicates across files", async () => {
    const d = tmp();
    const body = (k: number) => Array.from({ length: 12_000 }, (_, i) => JSON.stringify({ prompt: `question ${i % 9_000} of part ${k % 2}: ${"how the pump at the station works ".repeat(4)}`, completion: `answer ${i % 9_000}` }));
    const a = body(0);
    a.splice(10, 0, "", "   ", "{not json", "[1, 2]", '"a string"', '{"prompt": "x", "completion": "lone \\ud800"}');
    const b = body(2); // the same records as a's: all duplicates across the files
    b.splice(5_000, 0, '{"prompt":"caf\u00e9","completion":"ok"}');
    const fa = join(d, "a.jsonl");
    const fb = join(d, "b.jsonl");
    writeFileSync(fa, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(a.join("\n") + "\n")]));
    // A line with a byte that is not UTF-8, in the second file.
    writeFileSync(fb, Buffer.concat([Buffer.from(b.join("\n") + "\n"), Buffer.from('{"prompt":"bad '), Buffer.from([0xff]), Buffer.from('","completion":"x"}\n')]));
    expect(readFileSync(fa).length + readFileSync(fb).length).toBeGreaterThan(4 * 1024 * 1024);
    const big = await run(["dedup", fa, fb, "-o", join(d, "big.jsonl"), "--rejects", join(d, "big-rej.jsonl")]);
    // The one-thread path: the same lines through stdin (one input), then compared line for line.
    const cat = Buffer.concat([readFileSync(fa), readFileSync(fb)]);
    const one = await run(["dedup", "-", "-o", join(d, "one.jsonl"), "--rejects", join(d, "one-rej.jsonl")], { input: cat });
    expect(big.code).toBe(1);
    expect(one.code).toBe(1);
    expect(readFileSync(join(d, "big.jsonl"), "utf8")).toBe(readFileSync(join(d, "one.jsonl"), "utf8"));
    const summary = (t: string) => /dedup: read .*/.exec(t)![0].replace(/ → .*/, "");
    expect(summary(big.stderr)).toBe(summary(one.stderr));
    expect(summary(big.stderr)).toBe("dedup: read 24006, written 9001, removed 15005 (json-syntax 1, schema 2, encoding 2, duplicate 15000)");
    // The refusals and removals, by line, the same but for where they are (two files against one stream).
    const rej = (f: string) => (lines(readFileSync(join(d, f), "utf8")) as { reason: string; line?: number; message?: string }[]).map((r) => r.reason);
    expect(rej("big-rej.jsonl")).toEqual(rej("one-rej.jsonl"));
    expect(new Set(rej("big-rej.jsonl"))).toEqual(new Set(["json-syntax", "schema", "encoding", "duplicate"]));
    // The byte of invalid UTF-8 is counted in its own file, as the one-thread reader counts it.
    const bad = (lines(readFileSync(join(d, "big-rej.jsonl"), "utf8")) as { source: string; byte?: number; reason: string }[]).find((r) => r.reason === "encoding" && r.source === fb)!;
    expect(bad.byte).toBe(Buffer.byteLength(b.join("\n") + "\n") + '{"prompt":"bad '.length);
  });

  it("sample: N records, the same for a seed, in file order; shuffle: a permutation, deterministic, across several buckets", async () => {
    const d = tmp();
    const rows = Array.from({ length: 3000 }, (_, i) => rec(i, " " + "x".repeat(400)));
    const f = file(d, "in.jsonl", rows);
    const a = await run(["sample", f, "-n", "50", "--seed", "7", "-o", join(d, "a.jsonl")]);
    const b = await run(["sample", f, "-n", "50", "--seed", "7", "-o", join(d, "b.jsonl")]);
    const c = await run(["sample", f, "-n", "50", "--seed", "8", "-o", join(d, "c.jsonl")]);
    expect(a.code).toBe(0);
    const A = readFileSync(join(d, "a.jsonl"), "utf8");
    expect(A).toBe(readFileSync(join(d, "b.jsonl"), "utf8"));
    expect(A).not.toBe(readFileSync(join(d, "c.jsonl"), "utf8"));
    const idx = (lines(A) as { prompt: string }[]).map((x) => Number(/Question (\d+)/.exec(x.prompt)![1]));
    expect(idx).toHaveLength(50);
    expect([...idx].sort((x, y) => x - y)).toEqual(idx);
    const s1 = await run(["shuffle", f, "--seed", "1", "--bucket-mb", "1", "-o", join(d, "s1.jsonl")]);
    const s2 = await run(["shuffle", f, "--seed", "1", "--bucket-mb", "1", "-o", join(d, "s2.jsonl")]);
    expect(s1.code, s1.stderr).toBe(0);
    const S = readFileSync(join(d, "s1.jsonl"), "utf8");
    expect(S).toBe(readFileSync(join(d, "s2.jsonl"), "utf8"));
    expect(S).not.toBe(readFileSync(f, "utf8"));
    expect(S.split("\n").filter(Boolean).sort()).toEqual(readFileSync(f, "utf8").split("\n").filter(Boolean).map((l) => JSON.stringify(JSON.parse(l))).sort());
  });

  it("split: train/validation/test by the stable rule, grouped by a field; merge: one format, dedup across inputs, origin in --metadata", async () => {
    const d = tmp();
    const rows = Array.from({ length: 200 }, (_, i) => JSON.stringify({ prompt: `doc${Math.floor(i / 4)} q${i}`, completion: "a", doc: `doc${Math.floor(i / 4)}` }).replace(',"doc"', ',"doc"'));
    const f = file(d, "all.jsonl", rows.map((r) => r.replace(/,"doc":"[^"]+"/, "")));
    const s = await run(["split", f, "--validation-fraction", "0.2", "--test-fraction", "0.2", "--group-by", "{prompt}", "-o", join(d, "train.jsonl")]);
    expect(s.code, s.stderr).toBe(0);
    const n = (p: string) => lines(readFileSync(join(d, p), "utf8")).length;
    expect(n("train.jsonl") + n("validation.jsonl") + n("test.jsonl")).toBe(200);
    // The same rule as the data commands: csv --validation-fraction with the same seed picks the same records.
    const orig = file(d, "orig.jsonl", Array.from({ length: 10 }, (_, i) => rec(i)));
    const syn = file(d, "synthetic.jsonl", [rec(2), ...Array.from({ length: 5 }, (_, i) => rec(100 + i))]);
    const m = await run(["merge", orig, syn, "--dedup", "exact", "--metadata", join(d, "meta.jsonl"), "--rejects", join(d, "dups.jsonl"), "--tag", "-o", join(d, "merged.jsonl")]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/merge: read 16, written 15, removed 1 \(duplicate 1\)/);
    expect(lines(readFileSync(join(d, "dups.jsonl"), "utf8"))).toEqual([{ source: syn, line: 1, reason: "duplicate", kept: `${orig}:3`, record: JSON.parse(rec(2)) }]);
    const meta = lines(readFileSync(join(d, "meta.jsonl"), "utf8")) as { tag: string; line: number }[];
    expect(meta.filter((x) => x.tag === "orig")).toHaveLength(10);
    expect(meta.filter((x) => x.tag === "synthetic")).toHaveLength(5);
    const chat = file(d, "chat.jsonl", [JSON.stringify({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] })]);
    const bad = await run(["merge", orig, chat, "-o", join(d, "x.jsonl")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/a messages record, but .*orig\.jsonl holds instruction records: merge takes one format/);
  });
});

describe("text for continued pre-training from any source", () => {
  it("prep-data text: Markdown and HTML (a real parser: scripts and styles dropped, entities decoded, blocks as paragraphs), chunked with line ranges", async () => {
    const d = tmp();
    writeFileSync(join(d, "a.md"), "# Pumps\n\n" + Array.from({ length: 400 }, (_, i) => `Line ${i} of the manual says something useful about pump number ${i}.`).join("\n") + "\n");
    writeFileSync(join(d, "b.html"), '<html><head><style>p{}</style><script>var x = "<p>not text</p>";</script></head><body><h1>Seals &amp; valves</h1><p>Replace the   seal\n when it leaks.</p><ul><li>Check weekly</li><li>Log &lt;all&gt; checks</li></ul></body></html>');
    const r = await run(["text", d, "--chunk-size", "300", "--metadata", join(d, "meta.jsonl"), "-o", join(d, "out.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(readFileSync(join(d, "out.jsonl"), "utf8")) as { input: string }[];
    const html = recs.find((x) => x.input.startsWith("Seals"))!;
    expect(html.input).toBe("Seals & valves\n\nReplace the seal when it leaks.\n\nCheck weekly\n\nLog <all> checks");
    expect(recs.some((x) => x.input.includes("not text") || x.input.includes("{}"))).toBe(false);
    const meta = lines(readFileSync(join(d, "meta.jsonl"), "utf8")) as { source: string; lines?: [number, number]; tokens: number }[];
    const md = meta.filter((m) => m.source.endsWith("a.md"));
    expect(md.length).toBeGreaterThan(3);
    expect(md.every((m) => m.tokens <= 300 + 30)).toBe(true);
    expect(md.at(-1)!.lines![1]).toBeGreaterThan(200); // later chunks come from later blocks of lines
  });

  it("--dedup exact|near on a data command drops repeats as they are written, counted", async () => {
    const d = tmp();
    const csv = join(d, "in.csv");
    writeFileSync(csv, "q,a\nwhat is the pump for,it moves water\nwhat is the pump for,it moves water\nWhat is the pump for?,It moves water!\nsomething else entirely,yes\n");
    const ex = await run(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "--dedup", "exact", "-o", "-"]);
    expect(lines(ex.stdout)).toHaveLength(3);
    expect(ex.stderr).toMatch(/in\.csv:3: duplicate: same record as .*in\.csv:2/);
    const near = await run(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "--dedup", "near", "-o", "-"]);
    expect(lines(near.stdout)).toHaveLength(2);
    expect(near.stderr).toMatch(/rejected 2 \(duplicate 1, near-duplicate 1\)/);
  });
});

describe("row selection on data commands", () => {
  it("--sample N: a uniform sample of N rows, in input order, the same for a seed", async () => {
    const d = tmp();
    const csv = join(d, "in.csv");
    writeFileSync(csv, "q,a\n" + Array.from({ length: 2000 }, (_, i) => `q${i},a${i}`).join("\n") + "\n");
    const take = async (seed: string) => (lines((await run(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "--sample", "500", "--seed", seed, "-o", "-"])).stdout) as { prompt: string }[]).map((x) => Number(x.prompt.slice(1)));
    const a = await take("1");
    expect(a).toHaveLength(500);
    expect(new Set(a).size).toBe(500);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(await take("1")).toEqual(a);
    expect(await take("2")).not.toEqual(a);
    // Uniform: about a quarter from each quarter of the file.
    for (let q = 0; q < 4; q++) expect(a.filter((x) => x >= q * 500 && x < (q + 1) * 500).length).toBeGreaterThan(90);
  });
});

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canMountDisk, tinyDisk } from "../helpers/disk.js";
import { writePdf, prose } from "../helpers/pdf.js";
import { lines, ROOT, run, tmp } from "../helpers/run.js";

const HUB = { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(ROOT, "fixtures", "hf-cache") };

function file(dir: string, name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe("a failed run leaves every existing output as it was", () => {
  it("csv: a missing input, or every row refused, exits 3 and replaces nothing (-o, --validation-output, --test-output)", async () => {
    const d = tmp();
    const faq = file(d, "faq.csv", "question,answer\nWhat is 2+2?,4\nCapital of France?,Paris\n");
    const keep = join(d, "keep.jsonl");
    const val = file(d, "val.jsonl", "old validation\n");
    const test = file(d, "test.jsonl", "old test\n");
    const ok = await run(["csv", faq, "--prompt", "{question}", "--completion", "{answer}", "-o", keep]);
    expect(ok.code).toBe(0);
    const before = readFileSync(keep, "utf8");
    expect(before.length).toBeGreaterThan(0);

    const missing = await run(["csv", join(d, "nofile.csv"), "--prompt", "{question}", "--completion", "{answer}", "-o", keep, "--validation-fraction", "0.3", "--validation-output", val, "--test-fraction", "0.3", "--test-output", test]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(`nothing written (${keep} left as it was)`);
    expect(readFileSync(keep, "utf8")).toBe(before);
    expect(readFileSync(val, "utf8")).toBe("old validation\n");
    expect(readFileSync(test, "utf8")).toBe("old test\n");

    const ragged = file(d, "ragged.csv", "question,answer\na,b,c\nd,e,f\n");
    const refused = await run(["csv", ragged, "--prompt", "{question}", "--completion", "{answer}", "-o", keep]);
    expect(refused.code).toBe(3);
    expect(readFileSync(keep, "utf8")).toBe(before);
    expect(readdirSync(d).filter((n) => n.includes("prep-data-tmp"))).toEqual([]);
  });

  it("pdf of a document with no text layer exits 3 and leaves -o and --metadata as they were", async () => {
    const d = tmp();
    const scan = join(d, "scan.pdf");
    await writePdf(scan, [[], []]);
    const out = file(d, "train.jsonl", "old records\n");
    const meta = file(d, "meta.jsonl", "old metadata\n");
    const r = await run(["pdf", scan, "--engine", "pdfjs", "-o", out, "--metadata", meta]);
    expect(r.code).toBe(3);
    expect(readFileSync(out, "utf8")).toBe("old records\n");
    expect(readFileSync(meta, "utf8")).toBe("old metadata\n");
  });

  it("text: a file whose only block is refused (symbol soup) exits 3 and leaves -o as it was", async () => {
    const d = tmp();
    const out = file(d, "cpt.jsonl", "old\n");
    const soup = file(d, "soup.txt", Array.from({ length: 40 }, () => "+ +  %  !$ & ,  -./01 * ^^ ~~ ## @@ || <> {} [] ;; :: ==").join("\n") + "\n");
    const r = await run(["text", soup, "-o", out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("garbled-text");
    expect(readFileSync(out, "utf8")).toBe("old\n");
  });
});

describe("--rejects on every data command", () => {
  it("csv: each refused row with its file, line, reason, message and the row itself; written also when the run fails", async () => {
    const d = tmp();
    const input = file(d, "qa.csv", "question,answer\nWhat is 2+2?,4\nragged,row,here\nEmpty answer,\n");
    const out = join(d, "out.jsonl");
    const rej = join(d, "rejects.jsonl");
    const r = await run(["csv", input, "--prompt", "Q: {question}", "--completion", "{answer}", "-o", out, "--rejects", rej]);
    expect(r.code).toBe(1);
    expect(lines(readFileSync(rej, "utf8"))).toEqual([
      { source: input, line: 3, row: 1, reason: "ragged-row", message: "row has 3 fields, the header has 2", raw: ["ragged", "row", "here"] },
      { source: input, line: 4, row: 2, reason: "empty", message: expect.stringContaining("completion is empty"), values: { question: "Empty answer", answer: "" }, record: { prompt: "Q: Empty answer", completion: "" } },
    ]);
    // Every row refused: the records are not replaced, the rejects say why.
    const bad = file(d, "bad.csv", "question,answer\nx,\n");
    const f = await run(["csv", bad, "--prompt", "{question}", "--completion", "{answer}", "-o", out, "--rejects", rej]);
    expect(f.code).toBe(3);
    expect(lines(readFileSync(out, "utf8"))).toEqual([{ prompt: "Q: What is 2+2?", completion: "4" }]);
    expect(lines(readFileSync(rej, "utf8"))).toMatchObject([{ source: bad, line: 2, reason: "empty" }]);
  });

  it("json, convert, text, pdf and dialogsum take --rejects too", async () => {
    const d = tmp();
    const jl = file(d, "rows.jsonl", '{"q":"a","a":"b"}\n{oops\n[1,2]\n');
    const j = await run(["json", jl, "--prompt", "{q}", "--completion", "{a}", "-o", join(d, "j.jsonl"), "--rejects", join(d, "jr.jsonl")]);
    expect(j.code).toBe(1);
    expect(lines(readFileSync(join(d, "jr.jsonl"), "utf8"))).toMatchObject([
      { source: jl, line: 2, reason: "json-syntax", raw: "{oops" },
      { source: jl, line: 3, reason: "not-an-object", raw: [1, 2] },
    ]);

    const chat = file(d, "chat.jsonl", JSON.stringify({ messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }] }) + "\n" + JSON.stringify({ messages: [{ role: "user", content: "x" }, { role: "tool", content: "y" }] }) + "\n");
    const c = await run(["convert", chat, "--to", "messages", "-o", join(d, "c.jsonl"), "--rejects", join(d, "cr.jsonl")]);
    expect(c.code).toBe(1);
    const cr = lines(readFileSync(join(d, "cr.jsonl"), "utf8")) as { source: string; line: number; values: unknown }[];
    expect(cr).toHaveLength(1);
    expect(cr[0]).toMatchObject({ source: chat, line: 2, values: { messages: [{ role: "user" }, { role: "tool" }] } });

    const t = await run(["text", join(d, "missing.md"), file(d, "ok.md", "# Title\n\nSome words here.\n"), "-o", join(d, "t.jsonl"), "--rejects", join(d, "tr.jsonl")]);
    expect(t.code).toBe(1);
    expect(lines(readFileSync(join(d, "tr.jsonl"), "utf8"))).toMatchObject([{ source: join(d, "missing.md"), reason: "file" }]);

    const blank = join(d, "blank.pdf");
    await writePdf(blank, [[]]);
    const good = join(d, "good.pdf");
    await writePdf(good, [prose(["A page of plain English prose for the test."])]);
    const p = await run(["pdf", blank, good, "--engine", "pdfjs", "-o", join(d, "p.jsonl"), "--rejects", join(d, "pr.jsonl")]);
    expect(p.code).toBe(1);
    expect(lines(readFileSync(join(d, "pr.jsonl"), "utf8"))).toMatchObject([{ source: blank, reason: "no-text-layer" }]);

    const ds = await run(["dialogsum", "--format", "messages", "--turns", "--trailing-user", "report", "-o", join(d, "ds.jsonl"), "--rejects", join(d, "dsr.jsonl")], { env: HUB });
    expect(ds.code).toBe(1);
    const dsr = lines(readFileSync(join(d, "dsr.jsonl"), "utf8")) as { source: string; line: number; reason: string; values: Record<string, unknown> }[];
    expect(dsr.map((x) => [x.line, x.reason])).toEqual([[2, "role-order"], [7, "role-order"], [10, "role-order"]]);
    expect(dsr[0]!.values.dialogue).toMatch(/^#Person1#: Did you water the tomatoes/);
  });
});

describe("findings: errors first on stderr, by reason with examples in --report", () => {
  it("a run with many warnings and a later error shows the error within --max-findings; --report holds examples per reason", async () => {
    const d = tmp();
    // 10 conversations that each need a warning (a leading assistant turn dropped), then one with an unknown role.
    const rows = Array.from({ length: 10 }, (_, i) => JSON.stringify({ messages: [{ role: "assistant", content: `lead ${i}` }, { role: "user", content: `q ${i}` }, { role: "assistant", content: `a ${i}` }] }));
    rows.push(JSON.stringify({ messages: [{ role: "wizard", content: "?" }, { role: "assistant", content: "!" }] }));
    const input = file(d, "chat.jsonl", rows.join("\n") + "\n");
    const rep = join(d, "report.json");
    const r = await run(["convert", input, "--to", "messages", "-o", join(d, "out.jsonl"), "--max-findings", "3", "--report", rep]);
    expect(r.code).toBe(1);
    const shown = r.stderr.split("\n").filter((l) => /^(error|warning): /.test(l));
    expect(shown).toHaveLength(3);
    expect(shown[0]).toMatch(/^error: .*chat\.jsonl:11: /);
    expect(r.stderr).toMatch(/… 8 warnings more not shown/);
    const report = JSON.parse(readFileSync(rep, "utf8")) as { findings: Record<string, { severity: string; count: number; examples: { line: number; message: string }[] }> };
    const warn = Object.values(report.findings).find((x) => x.severity === "warning")!;
    expect(warn.count).toBe(10);
    expect(warn.examples).toHaveLength(3);
    expect(warn.examples[0]).toMatchObject({ source: input, line: 1 });
    const err = Object.values(report.findings).find((x) => x.severity === "error")!;
    expect(err).toMatchObject({ count: 1, examples: [{ source: input, line: 11 }] });
  });
});

const disk = canMountDisk("side-file full-disk tests");

describe.skipIf(!disk)("all outputs of a run commit together or none", () => {
  it("text and pdf: a full disk on --metadata or --rejects fails the run before -o is replaced", async () => {
    const t = tinyDisk()!;
    try {
      writeFileSync(join(t.dir, "filler"), Buffer.alloc(2_040_000));
      const d = tmp();
      const big = file(d, "big.md", Array.from({ length: 3000 }, (_, i) => `Paragraph ${i} holds a sentence of ordinary English words for the chunker.\n`).join("\n"));
      const out = file(d, "out.jsonl", "old\n");
      const r = await run(["text", big, "--chunk-size", "50", "-o", out, "--metadata", join(t.dir, "meta.jsonl")]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain("no space left on device");
      expect(readFileSync(out, "utf8")).toBe("old\n");
      const bad = file(d, "bad.csv", "q,a\n" + Array.from({ length: 3000 }, (_, i) => `${"x".repeat(30)} ${i},\n`).join(""));
      const keep = file(d, "keep.jsonl", "kept\n");
      const g = file(d, "good.csv", "q,a\n1,2\n");
      const c = await run(["csv", g, bad, "--prompt", "{q}", "--completion", "{a}", "-o", keep, "--rejects", join(t.dir, "rej.jsonl")]);
      expect(c.code).toBe(3);
      expect(readFileSync(keep, "utf8")).toBe("kept\n");
      expect(readdirSync(t.dir)).toEqual(["filler"]);
    } finally {
      t.unmount();
    }
  });
});

describe("Hub revisions are git ref names, never paths", () => {
  it("hf 'evil/ds@../../x/victim.txt' is a usage error and writes nothing outside the cache", async () => {
    const d = tmp();
    const cache = join(d, "cache");
    const victim = file(d, "victim.txt", "precious\n");
    for (const spec of ["evil/ds@../../victim.txt", "evil/ds@refs/../../../victim.txt", "evil/ds@/etc/passwd", "evil/ds@a b", "../..@main", "evil/-ds"]) {
      const r = await run(["hf", spec, "--prompt", "{q}", "--completion", "{a}", "-o", join(d, "o.jsonl")], { env: { HF_HUB_CACHE: cache } });
      expect(r.code, spec).toBe(2);
      expect(r.stderr, spec).toMatch(/revision|not a Hub dataset/);
    }
    const dsr = await run(["dialogsum", "--revision", "../../../victim.txt", "-o", join(d, "o.jsonl")], { env: { HF_HUB_CACHE: cache } });
    expect(dsr.code).toBe(2);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
  });
});

describe("split and merge check what they are given", () => {
  const recs = (n: number, f: (i: number) => Record<string, unknown>) => Array.from({ length: n }, (_, i) => JSON.stringify(f(i))).join("\n") + "\n";
  it("a fraction that is not a number is a usage error; a --group-by field a record lacks refuses that record, counted and listed", async () => {
    const d = tmp();
    const data = file(d, "data.jsonl", recs(40, (i) => ({ prompt: `p${i}`, completion: `c${i}`, ...(i < 30 ? { doc: `d${i % 5}` } : {}) })));
    for (const args of [["split", data, "--validation-fraction", "abc"], ["merge", data, "--test-fraction", "NaN"], ["split", data, "--validation-fraction", "1.5"]]) {
      const r = await run([...args, "-o", join(d, "train.jsonl")]);
      expect(r.code, args.join(" ")).toBe(2);
    }
    const r = await run(["split", data, "--validation-fraction", "0.3", "--group-by", "doc", "-o", join(d, "train.jsonl"), "--rejects", join(d, "rej.jsonl")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no-group 10/);
    const rej = lines(readFileSync(join(d, "rej.jsonl"), "utf8")) as { line: number; reason: string }[];
    expect(rej.map((x) => x.line)).toEqual(Array.from({ length: 10 }, (_, i) => 31 + i));
    // Each document's records on one side only.
    const side = new Map<string, string>();
    for (const [name, f] of [["train", "train.jsonl"], ["validation", "validation.jsonl"]] as const) {
      for (const rec of lines(readFileSync(join(d, f), "utf8")) as { prompt: string }[]) {
        const doc = `d${Number(rec.prompt.slice(1)) % 5}`;
        expect(side.get(doc) ?? name).toBe(name);
        side.set(doc, name);
      }
    }
    // A field missing from every record: nothing is written, the old output stays.
    const none = file(d, "none.jsonl", recs(5, (i) => ({ prompt: `p${i}`, completion: "c" })));
    const keep = file(d, "keep.train.jsonl", "old\n");
    const m = await run(["merge", none, "--validation-fraction", "0.2", "--group-by", "doc", "-o", keep]);
    expect(m.code).toBe(3);
    expect(m.stderr).toMatch(/no-group 5/);
    expect(readFileSync(keep, "utf8")).toBe("old\n");
  });

  it("dedup, shuffle, sample, split and merge refuse invalid UTF-8 and lone surrogates instead of replacing them", async () => {
    const d = tmp();
    const good = JSON.stringify({ prompt: "a", completion: "b" });
    const bytes = Buffer.concat([Buffer.from(good + "\n"), Buffer.from('{"prompt":"caf'), Buffer.from([0xe9]), Buffer.from('","completion":"x"}\n'), Buffer.from('{"prompt":"\\ud800","completion":"y"}\n'), Buffer.from(JSON.stringify({ prompt: "c", completion: "d" }) + "\n")]);
    const f = join(d, "mixed.jsonl");
    writeFileSync(f, bytes);
    for (const cmd of [["dedup"], ["shuffle"], ["sample", "-n", "10"], ["split", "--validation-fraction", "0.5"], ["merge"]]) {
      const out = join(d, `${cmd[0]}.train.jsonl`);
      const r = await run([cmd[0]!, f, ...cmd.slice(1), "-o", out, "--rejects", join(d, `${cmd[0]}.rej.jsonl`)]);
      expect(r.code, cmd[0]).toBe(1);
      expect(r.stderr, cmd[0]).toMatch(/mixed\.jsonl:2: encoding: invalid UTF-8/);
      expect(r.stderr, cmd[0]).toMatch(/mixed\.jsonl:3: encoding: .*lone surrogate/);
      const written = readFileSync(out, "utf8") + (cmd[0] === "split" ? readFileSync(join(d, "split.validation.jsonl"), "utf8") : "");
      expect(written, cmd[0]).not.toContain("\ufffd");
      expect(written.trim().split("\n"), cmd[0]).toHaveLength(2);
      expect((lines(readFileSync(join(d, `${cmd[0]}.rej.jsonl`), "utf8")) as { line: number }[]).map((x) => x.line), cmd[0]).toEqual([2, 3]);
    }
  });
});

describe("record-count bounds hold before any file is committed", () => {
  const qa = (n: number) => "q,a\n" + Array.from({ length: n }, (_, i) => `question ${i},answer ${i}`).join("\n") + "\n";
  it("evaluation > 1,000 prompts: refused with the source (nothing written), truncated, or split into files within the bound", async () => {
    const d = tmp();
    const input = file(d, "qa.csv", qa(2300));
    const out = file(d, "eval.jsonl", "old\n");
    const base = ["csv", input, "--format", "evaluation", "--prompt", "{q}", "--completion", "{a}", "-o", out];
    const r = await run(base);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/2,300 prompts; a Bedrock model evaluation job takes at most 1,000 \(https:\/\/docs\.aws\.amazon\.com\/bedrock\/latest\/userguide\/model-evaluation-prompt-datasets-judge\.html/);
    expect(readFileSync(out, "utf8")).toBe("old\n");
    const t = await run([...base, "--limit-policy", "truncate", "--rejects", join(d, "rej.jsonl")]);
    expect(t.code).toBe(1);
    expect(lines(readFileSync(out, "utf8"))).toHaveLength(1000);
    expect(t.stderr).toMatch(/over-limit 1300/);
    expect(lines(readFileSync(join(d, "rej.jsonl"), "utf8"))).toHaveLength(1300);
    const s = await run([...base, "--limit-policy", "split"]);
    expect(s.code, s.stderr).toBe(0);
    const parts = ["eval-part-00001.jsonl", "eval-part-00002.jsonl", "eval-part-00003.jsonl"].map((n) => lines(readFileSync(join(d, n), "utf8")).length);
    expect(parts).toEqual([1000, 1000, 300]);
    for (const n of ["eval-part-00001.jsonl", "eval-part-00003.jsonl"]) expect((await run(["validate", join(d, n), "--format", "evaluation"])).code).toBe(0);
  });

  it("distillation > 15,000 prompts: csv refuses, validate --format distillation finds it", async () => {
    const d = tmp();
    const input = file(d, "qa.csv", qa(15_001));
    const out = join(d, "distill.jsonl");
    const r = await run(["csv", input, "--format", "distillation", "--prompt", "{q}", "--completion", "{a}", "-o", out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/15,001 prompts; a Bedrock model distillation job takes at most 15,000/);
    const ok = await run(["csv", input, "--format", "distillation", "--prompt", "{q}", "--completion", "{a}", "-o", out, "--limit-policy", "truncate"]);
    expect(ok.code).toBe(1);
    writeFileSync(out, readFileSync(out, "utf8") + readFileSync(out, "utf8").split("\n")[0] + "\n");
    const v = await run(["validate", out, "--format", "distillation"]);
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).toMatch(/15,001 prompts; a Bedrock model distillation job takes at most 15,000/);
  });
});

describe("merge verifies every shard against its manifest", () => {
  const tpl = ["--prompt", "{q}", "--completion", "{a}"];
  const part = (d: string, name: string, n: number) => file(d, name, "q,a\n" + Array.from({ length: n }, (_, i) => `${name}-${i},answer ${i}`).join("\n") + "\n");
  it("shards of inputs given out of sorted order merge to the single run's output", async () => {
    const d = tmp();
    const inputs = [part(d, "validation.csv", 7), part(d, "test.csv", 5), part(d, "alpha.csv", 4)];
    const single = join(d, "single.jsonl");
    expect((await run(["csv", ...inputs, ...tpl, "-o", single, "-q"])).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await run(["csv", ...inputs, ...tpl, "--shard", `${i}/3`, "-o", join(d, "train.jsonl"), "-q"])).code).toBe(0);
    const m = await run(["merge", join(d, "train-*-of-00003.jsonl"), "-o", join(d, "merged.jsonl")]);
    expect(m.code, m.stderr).toBe(0);
    expect(readFileSync(join(d, "merged.jsonl"), "utf8")).toBe(readFileSync(single, "utf8"));
  });

  it("a cut, emptied, appended, swapped or foreign shard, or an edited manifest, is refused naming the shard; nothing is written", async () => {
    const d = tmp();
    const inputs = [part(d, "p0.csv", 30), part(d, "p1.csv", 30), part(d, "p2.csv", 30)];
    const make = async (dir: string, extra: string[] = []) => {
      for (let i = 0; i < 3; i++) expect((await run(["csv", ...inputs, ...tpl, ...extra, "--shard", `${i}/3`, "-o", join(dir, "train.jsonl"), "-q"])).code).toBe(0);
    };
    const a = join(d, "a");
    const b = join(d, "b");
    mkdirSync(a);
    mkdirSync(b);
    await make(a);
    await make(b, ["--seed", "7"]); // another run (other options), same names
    const shard = (dir: string, i: number) => join(dir, `train-0000${i}-of-00003.jsonl`);
    const manifest = (dir: string, i: number) => join(dir, `train-0000${i}-of-00003.manifest.json`);
    const keep = new Map([0, 1, 2].flatMap((i) => [[shard(a, i), readFileSync(shard(a, i))], [manifest(a, i), readFileSync(manifest(a, i))]]));
    const restore = () => {
      for (const [p, v] of keep) writeFileSync(p, v);
    };
    const out = file(d, "merged.jsonl", "old\n");
    const merge = () => run(["merge", join(a, "train-*-of-00003.jsonl"), "-o", out]);
    expect((await merge()).code).toBe(0);
    writeFileSync(out, "old\n");
    const text = (p: string) => readFileSync(p, "utf8");
    const cases: [string, () => void, RegExp][] = [
      ["cut", () => writeFileSync(shard(a, 1), text(shard(a, 1)).split("\n").slice(0, 10).join("\n") + "\n"), /train-00001-of-00003\.jsonl is [\d,]+ bytes, its manifest says/],
      ["emptied", () => writeFileSync(shard(a, 2), ""), /train-00002-of-00003\.jsonl is 0 bytes/],
      ["appended", () => writeFileSync(shard(a, 0), text(shard(a, 0)) + text(shard(a, 0)).split("\n")[0] + "\n"), /train-00000-of-00003\.jsonl is [\d,]+ bytes/],
      ["swapped", () => {
        const x = text(shard(a, 0));
        writeFileSync(shard(a, 0), text(shard(a, 1)));
        writeFileSync(shard(a, 1), x);
      }, /train-00000-of-00003\.jsonl: its bytes are not the ones its task wrote/],
      ["foreign shard and manifest", () => {
        writeFileSync(shard(a, 2), readFileSync(shard(b, 2)));
        writeFileSync(manifest(a, 2), readFileSync(manifest(b, 2)));
      }, /train-00002-of-00003\.jsonl is from another run/],
      ["counts edited", () => {
        const m = JSON.parse(text(manifest(a, 1)));
        m.outputs[0].records = 99;
        writeFileSync(manifest(a, 1), JSON.stringify(m));
      }, /holds 30 records, its manifest says 99/],
      ["sha256 edited", () => {
        const m = JSON.parse(text(manifest(a, 1)));
        m.outputs[0].sha256 = "0".repeat(64);
        writeFileSync(manifest(a, 1), JSON.stringify(m));
      }, /its bytes are not the ones its task wrote/],
      ["bare manifest", () => writeFileSync(manifest(a, 0), '{"completed": true}'), /manifest of shard \? of \?/],
      ["index mismatch", () => writeFileSync(manifest(a, 0), readFileSync(manifest(a, 1))), /manifest of shard 1 of 3, but its name says 0 of 3/],
    ];
    for (const [what, spoil, why] of cases) {
      restore();
      spoil();
      const r = await merge();
      expect(r.code, what).toBe(3);
      expect(r.stderr, what).toMatch(why);
      expect(readFileSync(out, "utf8"), what).toBe("old\n");
    }
  });
});

describe("text that is not text is refused", () => {
  it("a binary renamed .txt, NULs in .md, control characters on a line; HTML decoded by its declared charset or strictly as UTF-8", async () => {
    const d = tmp();
    const bin = join(d, "ls.txt");
    writeFileSync(bin, readFileSync(process.execPath).subarray(0, 20000));
    const md = join(d, "notes.md");
    writeFileSync(md, "# Notes\n\nPlain words\u0000\u0000 padded with NULs.\n");
    const ctl = join(d, "ctl.txt");
    writeFileSync(ctl, "A normal line of text for the record.\nA line with a bell \u0007 in it.\nAnother normal line.\n");
    const out = join(d, "out.jsonl");
    const r = await run(["text", bin, md, ctl, "--format", "text", "-o", out, "--rejects", join(d, "rej.jsonl")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ls\.txt: binary: a NUL byte on line \d+: a binary file, not text/);
    expect(r.stderr).toMatch(/notes\.md: binary: a NUL byte on line 3/);
    expect(r.stderr).toMatch(/ctl\.txt:2: control-characters: U\+0007/);
    const recs = lines(readFileSync(out, "utf8")) as { text: string }[];
    expect(recs).toHaveLength(1);
    expect(recs[0]!.text).toBe("A normal line of text for the record.\nAnother normal line.");

    const latin = join(d, "latin.html");
    writeFileSync(latin, Buffer.concat([Buffer.from('<html><head><meta charset="iso-8859-1"><title>t</title></head><body><p>Caf'), Buffer.from([0xe9]), Buffer.from(" au lait, d"), Buffer.from([0xe9]), Buffer.from("j"), Buffer.from([0xe0]), Buffer.from(" vu.</p></body></html>")]));
    const h = await run(["text", latin, "--format", "text", "-o", join(d, "h.jsonl")]);
    expect(h.code, h.stderr).toBe(0);
    expect((lines(readFileSync(join(d, "h.jsonl"), "utf8")) as { text: string }[])[0]!.text).toBe("Café au lait, déjà vu.");
    const undeclared = join(d, "bad.html");
    writeFileSync(undeclared, Buffer.concat([Buffer.from("<p>Caf"), Buffer.from([0xe9]), Buffer.from(" noir</p>")]));
    const u = await run(["text", undeclared, "--format", "text", "-o", join(d, "u.jsonl")]);
    expect(u.code).toBe(3);
    expect(u.stderr).toMatch(/bad\.html: encoding: invalid UTF-8 .*pass --encoding/);
  });

  it("validate and every data command refuse NUL and control characters in a record's text", async () => {
    const d = tmp();
    const f = file(d, "t.jsonl", [JSON.stringify({ prompt: "fine", completion: "ok" }), JSON.stringify({ prompt: "bad\u0000nul", completion: "x" }), JSON.stringify({ prompt: "esc \u001b[31m red", completion: "x" })].join("\n") + "\n");
    const v = await run(["validate", f, "--json"]);
    expect(v.code).toBe(1);
    const rep = JSON.parse(v.stdout) as { findings: { reason: string; origin: { line: number }; message: string }[] };
    expect(rep.findings.filter((x) => x.reason === "control-characters").map((x) => x.origin.line)).toEqual([2, 3]);
    const c = await run(["json", f, "--prompt", "{prompt}", "--completion", "{completion}", "-o", join(d, "o.jsonl")]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/t\.jsonl:2: control-characters: prompt: U\+0000/);
    expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toHaveLength(1);
  });
});

describe("the garbled-text verdict does not depend on the engine", () => {
  it("a font whose ToUnicode map sends digits and punctuation to wrong code points is refused by pdf.js and by poppler alike; clean pages pass both", async () => {
    const { writeMisMappedPdf } = await import("../helpers/pdf.js");
    const d = tmp();
    const para = [
      "In 1985, the committee (chaired by Smith) met 12 times; its report, filed in 1987, ran to 340 pages.",
      "The results (Table 3) show 45.2 percent growth, 17.9 percent decline, and 8 regions unchanged since 1990.",
      "Earlier work (Jones, 1979; Lee, 1983) found similar effects, though only in 6 of the 14 provinces studied.",
      "Funding rose from 2.1 million in 1984 to 3.6 million in 1986, according to the ministry (page 22).",
    ];
    const broken = join(d, "broken.pdf");
    // As the real paper came out: digits as archaic Greek letters, punctuation as Latin Extended-B letters.
    await writeMisMappedPdf(broken, [para, para], { "0": "\u0370", "1": "\u0373", "2": "\u0371", "3": "\u0372", "4": "\u0376", "5": "\u0377", "6": "\u037b", "7": "\u037c", "8": "\u037a", "9": "\u037d", ",": "\u01e1", ".": "\u01e4", "(": "\u020a", ")": "\u020c", ";": "\u01f6" });
    const clean = join(d, "clean.pdf");
    await writeMisMappedPdf(clean, [para], {});
    const { spawnSync: sh } = await import("node:child_process");
    const engines = sh("pdftotext", ["-v"]).error ? ["pdfjs"] : ["pdfjs", "poppler"];
    if (engines.length === 1) console.warn("SKIPPED the poppler half of the engine-independence test: pdftotext is not installed");
    for (const engine of engines) {
      const r = await run(["pdf", broken, clean, "--engine", engine, "--format", "text", "-o", join(d, `${engine}.jsonl`)], { env: { PREP_DATA_PDFTOTEXT: undefined } });
      expect(r.code, `${engine}: ${r.stderr}`).toBe(1);
      expect(r.stderr, engine).toMatch(/broken\.pdf page 1: garbled-text/);
      expect(r.stderr, engine).toMatch(/broken\.pdf page 2: garbled-text/);
      const recs = lines(readFileSync(join(d, `${engine}.jsonl`), "utf8")) as { text: string }[];
      expect(recs.map((x) => x.text).join(" "), engine).toContain("In 1985, the committee (chaired by Smith)");
      expect(recs.map((x) => x.text).join(" "), engine).not.toMatch(/[\u0370-\u037d\u01e1\u01e4\u020a\u020c]/);
    }
  });
});

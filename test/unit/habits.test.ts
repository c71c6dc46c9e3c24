import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines, run, tmp } from "../helpers/run.js";

const NESTED = [
  { meta: { title: "T1", year: 2020 }, messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "yo" }], tags: ["a", "b", "c"] },
  { meta: { year: 2021 }, messages: [{ role: "user", content: "q2" }], tags: [] },
].map((x) => JSON.stringify(x)).join("\n") + "\n";

describe("addressing data the way jq and datasets do", () => {
  it("templates reach into nested values: {meta.title}, {messages[0].content}, {tags[-1]}; a row without the path is missing-value naming the keys there; a path absent from the first row is a usage error listing them", async () => {
    const d = tmp();
    const f = join(d, "n.jsonl");
    writeFileSync(f, NESTED);
    const r = await run(["json", f, "--prompt", "{meta.title}: {messages[0].content}", "--completion", "{tags[-1]}", "--rejects", join(d, "rej.jsonl"), "-o", join(d, "o.jsonl")]);
    expect(r.code, r.stderr).toBe(1);
    expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toEqual([{ prompt: "T1: hi", completion: "c" }]);
    expect(r.stderr).toMatch(/n\.jsonl:2: missing-value: path "meta\.title" is empty \(null\) or absent in this row \(there: year\)/);
    const typo = await run(["json", f, "--prompt", "{meta.titel}", "--completion", "{tags[0]}", "-o", join(d, "t.jsonl")]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/template "\{meta\.titel\}": the first row has no meta\.titel; there: title, year/);
    const idx = await run(["json", f, "--prompt", "{messages[5].content}", "--completion", "{tags[0]}", "-o", join(d, "i.jsonl")]);
    expect(idx.stderr).toMatch(/the first row has no messages\[5\]; there: 2 items/);
    // A CSV column whose name has a dot is that column.
    writeFileSync(join(d, "dots.csv"), "a.b,c\nx,y\n");
    const dots = await run(["csv", join(d, "dots.csv"), "--prompt", "{a.b}", "--completion", "{c}", "-o", "-"]);
    expect(lines(dots.stdout)).toEqual([{ prompt: "x", completion: "y" }]);
  });

  it("json - reads JSON Lines, a JSON array or {\"data\": […]} from stdin, told by content as for files", async () => {
    const jl = await run(["json", "-", "--prompt", "{meta.year}", "--completion", "{messages[0].content}", "-o", "-"], { input: NESTED });
    expect(jl.code, jl.stderr).toBe(0);
    expect(lines(jl.stdout)).toEqual([{ prompt: "2020", completion: "hi" }, { prompt: "2021", completion: "q2" }]);
    const arr = await run(["json", "-", "--prompt", "{a}", "--completion", "{b}", "-o", "-"], { input: '[{"a":"x","b":"y"},\n{"a":"z","b":"w"}]' });
    expect(lines(arr.stdout)).toEqual([{ prompt: "x", completion: "y" }, { prompt: "z", completion: "w" }]);
    const obj = await run(["json", "-", "--prompt", "{a}", "--completion", "{b}", "-o", "-"], { input: '{"data": [\n {"a":"x","b":"y"}\n]}\n' });
    expect(lines(obj.stdout)).toEqual([{ prompt: "x", completion: "y" }]);
    // Larger than the bytes peeked at: nothing lost.
    const many = Array.from({ length: 20000 }, (_, i) => JSON.stringify({ a: `q${i}`, b: "x".repeat(40) })).join("\n") + "\n";
    const big = await run(["json", "-", "--prompt", "{a}", "--completion", "{b}", "-o", "-"], { input: many });
    expect(lines(big.stdout)).toHaveLength(20000);
  });

  it("csv given JSON Lines (a file or stdin) says so and names json, instead of a header cut out of the JSON", async () => {
    const d = tmp();
    writeFileSync(join(d, "x.csv"), NESTED);
    for (const [args, input] of [[["csv", join(d, "x.csv")], undefined], [["csv", "-"], NESTED]] as const) {
      const r = await run([...args, "--prompt", "{q}", "--completion", "{a}", "-o", join(d, "o.jsonl")], input ? { input } : {});
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/the first line is a JSON object, not a CSV header: this looks like JSON Lines; read it with prep-data json/);
    }
    const ok = await run(["csv", "-", "--prompt", "{q}", "--completion", "{a}", "-o", "-"], { input: "q,a\nx,y\n" });
    expect(lines(ok.stdout)).toEqual([{ prompt: "x", completion: "y" }]);
  });
});

describe("Hub splits as datasets spells them", () => {
  it("slices by row and by percentage (datasets' closest rounding: Python's round, halves to even), negative from the end, parts joined by +", async () => {
    const { parseSplitSpec, sliceBounds } = await import("../../src/hub/slices.js");
    const b = (spec: string, total: number) => parseSplitSpec(spec)!.map((p) => sliceBounds(p, total));
    expect(parseSplitSpec("train")).toBeUndefined();
    expect(b("train[:100]", 1000)).toEqual([[0, 100]]);
    expect(b("train[10%:20%]", 1000)).toEqual([[100, 200]]);
    expect(b("train[:50%]", 5)).toEqual([[0, 2]]); // round(2.5) = 2
    expect(b("train[:50%]", 7)).toEqual([[0, 4]]); // round(3.5) = 4
    expect(b("train[-10:]", 25)).toEqual([[15, 25]]);
    expect(b("train[:-10%]", 100)).toEqual([[0, 90]]);
    expect(b("train[5:2]", 10)).toEqual([[5, 5]]);
    expect(b("train+validation[:10]", 50)).toEqual([[0, 50], [0, 10]]);
    expect(() => parseSplitSpec("train[1.5:]")).toThrow(/whole number/);
    expect(() => parseSplitSpec("train[x]")).toThrow(/is not a split with an optional \[from:to\] slice/);
  });

  it("hf and dialogsum read the slices from the (bundled, offline) Hub cache", async () => {
    const env = { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(import.meta.dirname, "../../fixtures/hf-cache") };
    const ids = async (split: string) => {
      const r = await run(["hf", "knkarthick/dialogsum", "--split", split, "--prompt", "{id}", "--completion", "{summary}", "-o", "-"], { env });
      expect(r.code, r.stderr).toBe(0);
      return (lines(r.stdout) as { prompt: string }[]).map((x) => x.prompt);
    };
    expect(await ids("train[:2]")).toEqual(["train_0", "train_1"]);
    expect(await ids("train[-1:]")).toEqual(["train_5"]);
    expect(await ids("train[50%:]")).toEqual(["train_3", "train_4", "train_5"]);
    expect(await ids("train[:1]+validation[:1]")).toEqual(["train_0", "dev_0"]);
    const d = await run(["dialogsum", "--split", "validation[:1]", "--format", "instruction", "-o", "-"], { env });
    expect(d.code, d.stderr).toBe(0);
    expect(lines(d.stdout)).toHaveLength(1);
    const bad = await run(["hf", "knkarthick/dialogsum", "--split", "train[x]", "--prompt", "{id}", "--completion", "{summary}"], { env });
    expect(bad.code).toBe(2);
  });
});

describe("text provenance", () => {
  it("text --metadata gives each chunk's real line range (not [1,1] for a block), and findings name lines", async () => {
    const d = tmp();
    const f = join(d, "notes.txt");
    const words = "the pump must be primed before it starts and its filter is serviced every month by the technician".split(" ");
    const body: string[] = [];
    for (let i = 0; i < 600; i++) {
      body.push(Array.from({ length: 14 }, (_, k) => words[(i * 7 + k) % words.length]).join(" ") + ` ${i}.`);
      if (i % 7 === 6) body.push("");
    }
    body[300] = "a line with a \u0001 control character";
    writeFileSync(f, body.join("\n") + "\n");
    const r = await run(["text", f, "--metadata", join(d, "m.jsonl"), "-o", join(d, "o.jsonl")]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/notes\.txt:301: control-characters/);
    const meta = lines(readFileSync(join(d, "m.jsonl"), "utf8")) as { lines: [number, number] }[];
    expect(meta.length).toBeGreaterThan(5);
    expect(meta[0]!.lines[0]).toBe(1);
    expect(meta.every((m) => m.lines[1] > m.lines[0])).toBe(true);
    expect(meta.every((m, i) => i === 0 || m.lines[0] > meta[i - 1]!.lines[0])).toBe(true);
    expect(meta.at(-1)!.lines[1]).toBe(body.length - (body.at(-1) === "" ? 1 : 0));
  });
});

describe("the library", () => {
  it("require('prep-data') works from CommonJS (an export condition for require), with the same functions as import", async () => {
    const { mkdirSync, symlinkSync } = await import("node:fs");
    const { spawnSync } = await import("node:child_process");
    const d = tmp();
    mkdirSync(join(d, "node_modules"));
    symlinkSync(join(import.meta.dirname, "../.."), join(d, "node_modules", "prep-data"));
    writeFileSync(join(d, "t.cjs"), 'const p = require("prep-data");\nconsole.log(JSON.stringify(["prepare", "validateFiles", "evaluate", "curate", "synthesize", "getProfile"].map((k) => typeof p[k])));\n');
    const r = spawnSync(process.execPath, [join(d, "t.cjs")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(["function", "function", "function", "function", "function", "function"]);
  });

  it("the record operations, curate, job status/wait and recipes are library calls with typed results", async () => {
    const lib = await import("../../src/index.js");
    const d = tmp();
    const f = join(d, "all.jsonl");
    writeFileSync(f, [...Array.from({ length: 40 }, (_, i) => JSON.stringify({ prompt: `q${i}`, completion: "a" })), JSON.stringify({ prompt: "q0", completion: "a" }), "not json"].join("\n") + "\n");
    const found: string[] = [];
    const dd = await lib.dedupFiles([f], { output: join(d, "dd.jsonl"), rejects: join(d, "rej.jsonl"), onFinding: (x) => found.push(x.reason) });
    expect(dd).toMatchObject({ name: "dedup", read: 42, written: 40, removed: { duplicate: 1, "json-syntax": 1 }, committed: true, exitCode: 1 });
    expect(found).toEqual(["json-syntax"]);
    const sp = await lib.splitFile(join(d, "dd.jsonl"), { output: join(d, "train.jsonl"), validationFraction: 0.25, seed: 3 });
    expect(sp.written).toBe(40);
    expect(sp.validation).toBe(lines(readFileSync(join(d, "validation.jsonl"), "utf8")).length);
    const sa = await lib.sampleFiles([join(d, "train.jsonl")], { output: join(d, "s.jsonl"), count: 5, seed: 1 });
    expect(sa).toMatchObject({ written: 5, exitCode: 0 });
    const sh = await lib.shuffleFiles([join(d, "s.jsonl")], { output: join(d, "sh.jsonl"), seed: 2 });
    expect(sh.written).toBe(5);
    const me = await lib.mergeFiles([join(d, "train.jsonl"), join(d, "validation.jsonl")], { output: join(d, "m.jsonl"), dedup: "exact", testFraction: 0.1, testOutput: join(d, "t.jsonl") });
    expect(me.written).toBe(40);
    expect(me.testOutput).toBe(join(d, "t.jsonl"));
    // Nothing kept: nothing replaced, the result says so.
    writeFileSync(join(d, "bad.jsonl"), "nope\n");
    const none = await lib.dedupFiles([join(d, "bad.jsonl")], { output: join(d, "dd.jsonl") });
    expect(none).toMatchObject({ committed: false, exitCode: 3 });
    expect(lines(readFileSync(join(d, "dd.jsonl"), "utf8"))).toHaveLength(40);
    const { startBedrockControl } = await import("../helpers/aws-stand-ins.js");
    const ctl = await startBedrockControl({ pollsToFinish: 1 });
    const saved = { ...process.env };
    try {
      Object.assign(process.env, ctl.env);
      const { jobArn } = await lib.submitJob({ jobName: "lib-job", customModelName: "lib-model", roleArn: "arn:aws:iam::123456789012:role/R", baseModelIdentifier: "amazon.nova-lite-v1:0:300k", customizationType: "FINE_TUNING", trainingDataConfig: { s3Uri: "s3://b/t.jsonl" }, outputDataConfig: { s3Uri: "s3://b/o/" }, hyperParameters: {} });
      expect(jobArn).toMatch(/^arn:aws:bedrock:/);
      const polls: string[] = [];
      const j = await lib.waitForJob("lib-job", { intervalSeconds: 0.01, onPoll: (x) => polls.push(x.status!) });
      expect(j.status).toBe("Completed");
      expect(polls).toContain("InProgress");
      expect(lib.jobExitCode(j.status)).toBe(0);
    } finally {
      for (const k of Object.keys(ctl.env)) if (saved[k] === undefined) delete process.env[k];
      Object.assign(process.env, saved);
      await ctl.close();
    }
  });
});

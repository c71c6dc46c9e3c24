import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { writePdf, prose } from "../helpers/pdf.js";
import { BIN, ROOT, lines, run, tmp } from "../helpers/run.js";

const tpl = ["--prompt", "{q}", "--completion", "{a}"];

describe("sharded runs as tasks of an array job", () => {
  it("files are divided in contiguous blocks of the sorted list; merged in shard order they are the single run's output, and merge reconciles them", async () => {
    const d = tmp();
    const files = Array.from({ length: 5 }, (_, k) => {
      const p = join(d, `part${k}.csv`);
      writeFileSync(p, "q,a\n" + Array.from({ length: 10 }, (_, i) => `q${k}-${i},a`).join("\n") + "\n");
      return p;
    });
    const out = join(d, "train.jsonl");
    expect((await run(["csv", ...files, ...tpl, "-o", join(d, "single.jsonl"), "-q"])).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await run(["csv", ...files, ...tpl, "--shard", `${i}/3`, "-o", out, "-q"])).code).toBe(0);
    const shard = (i: number) => join(d, `train-0000${i}-of-00003.jsonl`);
    expect(lines(readFileSync(shard(0), "utf8"))).toHaveLength(10); // part0
    expect(lines(readFileSync(shard(2), "utf8"))).toHaveLength(20); // part3, part4
    const manifest = JSON.parse(readFileSync(join(d, "train-00001-of-00003.manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ shard: { index: 1, count: 3, from: "--shard" }, inputs: [files[1], files[2]], read: 20, written: 20, completed: true });
    expect(manifest.outputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const m = await run(["merge", join(d, "train-*-of-00003.jsonl"), "-o", join(d, "all.jsonl")]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/3 of 3 shards complete and verified \(bytes, sha256, records\); the shards read 50 and wrote 50 records/);
    expect(readFileSync(join(d, "all.jsonl"), "utf8")).toBe(readFileSync(join(d, "single.jsonl"), "utf8"));
    // A missing or unfinished shard is named and nothing is written.
    rmSync(join(d, "train-00002-of-00003.manifest.json"));
    const inc = await run(["merge", join(d, "train-*-of-00003.jsonl"), "-o", join(d, "x.jsonl")]);
    expect(inc.code).toBe(3);
    expect(inc.stderr).toMatch(/shard .*train-00002-of-00003\.jsonl is incomplete/);
    rmSync(shard(1));
    const miss = await run(["merge", join(d, "train-*-of-00003.jsonl"), "-o", join(d, "x.jsonl")]);
    expect(miss.stderr).toMatch(/missing shard of 3: .*train-00001-of-00003\.jsonl/);
    expect(existsSync(join(d, "x.jsonl"))).toBe(false);
  });

  it("one big CSV or JSONL is divided by byte ranges aligned to records (quoted newlines included), with the file's line numbers; Parquet by row groups", async () => {
    const d = tmp();
    const csv = join(d, "big.csv");
    // Every 7th question spans two lines inside quotes, with an escaped quote; row 900 is ragged.
    writeFileSync(csv, "q,a\n" + Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? `"q${i}\nsecond line, ""quoted""",a${i}` : i === 900 ? `q${i},a,extra` : `q${i},a${i}`)).join("\n") + "\n");
    const single = await run(["csv", csv, ...tpl, "-o", join(d, "single.jsonl")]);
    expect(single.code).toBe(1);
    const ragged = /big\.csv:(\d+): ragged-row/.exec(single.stderr)![1];
    const errs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await run(["csv", csv, ...tpl, "--shard", `${i}/4`, "-o", join(d, "c.jsonl")]);
      errs.push(...(r.stderr.match(/big\.csv:\d+: ragged-row/g) ?? []));
    }
    expect(errs).toEqual([`big.csv:${ragged}: ragged-row`]);
    const parts = [0, 1, 2, 3].map((i) => readFileSync(join(d, `c-0000${i}-of-00004.jsonl`), "utf8"));
    expect(parts.every((p) => lines(p).length > 200)).toBe(true);
    expect(parts.join("")).toBe(readFileSync(join(d, "single.jsonl"), "utf8"));
    const m0 = JSON.parse(readFileSync(join(d, "c-00001-of-00004.manifest.json"), "utf8"));
    expect(m0.part.bytes[0]).toBeGreaterThan(0);
    expect(m0.part.firstLine).toBeGreaterThan(200);
    // JSON Lines.
    const jsonl = join(d, "big.jsonl");
    writeFileSync(jsonl, Array.from({ length: 777 }, (_, i) => JSON.stringify({ q: `q${i} ${"x".repeat(i % 50)}`, a: "a" })).join("\n") + "\n");
    expect((await run(["json", jsonl, ...tpl, "-o", join(d, "j.jsonl"), "-q"])).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await run(["json", jsonl, ...tpl, "--shard", `${i}/3`, "-o", join(d, "j.jsonl"), "-q"])).code).toBe(0);
    expect([0, 1, 2].map((i) => readFileSync(join(d, `j-0000${i}-of-00003.jsonl`), "utf8")).join("")).toBe(readFileSync(join(d, "j.jsonl"), "utf8"));
    // Parquet: 10 row groups of 100 rows over 4 tasks → blocks of 2, 3, 2, 3 row groups.
    const pq = join(d, "big.parquet");
    parquetWriteFile({ filename: pq, columnData: [{ name: "q", data: Array.from({ length: 1000 }, (_, i) => `q${i}`), type: "STRING" }, { name: "a", data: Array.from({ length: 1000 }, () => "a"), type: "STRING" }], rowGroupSize: 100 });
    expect((await run(["parquet", pq, ...tpl, "-o", join(d, "p.jsonl"), "-q"])).code).toBe(0);
    for (let i = 0; i < 4; i++) expect((await run(["parquet", pq, ...tpl, "--shard", `${i}/4`, "-o", join(d, "p.jsonl"), "-q"])).code).toBe(0);
    const pparts = [0, 1, 2, 3].map((i) => readFileSync(join(d, `p-0000${i}-of-00004.jsonl`), "utf8"));
    expect(pparts.map((p) => lines(p).length)).toEqual([200, 300, 200, 300]);
    expect(pparts.join("")).toBe(readFileSync(join(d, "p.jsonl"), "utf8"));
  });

  it("a Hub split of one file (DialogSum from the offline cache) is divided by byte ranges too: the shards merge to the single run", async () => {
    const d = tmp();
    const env = { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(ROOT, "fixtures/hf-cache") };
    expect((await run(["dialogsum", "-o", join(d, "single.jsonl"), "-q"], { env })).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await run(["dialogsum", "--shard", `${i}/3`, "-o", join(d, "ds.jsonl"), "-q"], { env })).code).toBe(0);
    const m = JSON.parse(readFileSync(join(d, "ds-00001-of-00003.manifest.json"), "utf8"));
    expect(m.part.bytes[0]).toBeGreaterThan(0);
    expect(lines(readFileSync(join(d, "ds-00001-of-00003.jsonl"), "utf8")).length).toBeGreaterThan(0);
    const merged = await run(["merge", join(d, "ds-*-of-00003.jsonl"), "-o", join(d, "all.jsonl")]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(readFileSync(join(d, "all.jsonl"), "utf8")).toBe(readFileSync(join(d, "single.jsonl"), "utf8"));
  });

  it("a sharded run splits only by group; merge applies the split as split does on the single run's output, and validates for the model", async () => {
    const d = tmp();
    const csv = join(d, "in.csv");
    writeFileSync(csv, "q,a,doc\n" + Array.from({ length: 300 }, (_, i) => `q${i},a${i},d${Math.floor(i / 3)}`).join("\n") + "\n");
    const refused = await run(["csv", csv, ...tpl, "--shard", "0/2", "--validation-fraction", "0.1", "-o", join(d, "t.jsonl")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/a sharded run cannot split by row index .*--group-by .*prep-data merge .*--validation-fraction/);
    for (let i = 0; i < 2; i++) expect((await run(["csv", csv, ...tpl, "--shard", `${i}/2`, "-o", join(d, "t.jsonl"), "-q"])).code).toBe(0);
    expect((await run(["csv", csv, ...tpl, "-o", join(d, "single.jsonl"), "-q"])).code).toBe(0);
    const m = await run(["merge", join(d, "t-*-of-00002.jsonl"), "--validation-fraction", "0.2", "--seed", "7", "--model", "titan-express", "-o", join(d, "train.jsonl")]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/merge: \d+ train, \d+ validation/);
    const s = await run(["split", join(d, "single.jsonl"), "--validation-fraction", "0.2", "--seed", "7", "-o", join(d, "s-train.jsonl"), "--validation", join(d, "s-val.jsonl")]);
    expect(s.code, s.stderr).toBe(0);
    expect(readFileSync(join(d, "train.jsonl"), "utf8")).toBe(readFileSync(join(d, "s-train.jsonl"), "utf8"));
    expect(readFileSync(join(d, "validation.jsonl"), "utf8")).toBe(readFileSync(join(d, "s-val.jsonl"), "utf8"));
    // A record over Titan's 4,096 tokens at batch size 1: the merged file is validated and refused with exit 1.
    writeFileSync(join(d, "long.jsonl"), JSON.stringify({ prompt: "word ".repeat(6000), completion: "a" }) + "\n");
    const long = await run(["merge", join(d, "t-00000-of-00002.jsonl"), join(d, "long.jsonl"), "--model", "titan-express", "-o", join(d, "long-out.jsonl")]);
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/long-out\.jsonl:\d+: token-limit/);
    expect(long.stderr).toMatch(/would be rejected/);
  });

  it("the shard comes from Kubernetes, AWS Batch or Slurm when not given", async () => {
    const d = tmp();
    const csv = join(d, "in.csv");
    writeFileSync(csv, "q,a\n" + Array.from({ length: 12 }, (_, i) => `q${i},a`).join("\n") + "\n");
    const out = join(d, "t.jsonl");
    const k8s = await run(["csv", csv, ...tpl, "--shards", "4", "-o", out], { env: { JOB_COMPLETION_INDEX: "2" } });
    expect(k8s.code, k8s.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(d, "t-00002-of-00004.manifest.json"), "utf8")).shard).toEqual({ index: 2, count: 4, from: "JOB_COMPLETION_INDEX" });
    const noCount = await run(["csv", csv, ...tpl, "-o", out], { env: { JOB_COMPLETION_INDEX: "2" } });
    expect(noCount.code).toBe(2);
    expect(noCount.stderr).toMatch(/give --shards N/);
    const batch = await run(["csv", csv, ...tpl, "-o", out], { env: { AWS_BATCH_JOB_ARRAY_INDEX: "1", AWS_BATCH_JOB_ARRAY_SIZE: "3" } });
    expect(batch.code).toBe(0);
    expect(lines(readFileSync(join(d, "t-00001-of-00003.jsonl"), "utf8"))).toHaveLength(4);
    const slurm = await run(["csv", csv, ...tpl, "-o", out], { env: { SLURM_ARRAY_TASK_ID: "11", SLURM_ARRAY_TASK_MIN: "10", SLURM_ARRAY_TASK_COUNT: "2" } });
    expect(slurm.code).toBe(0);
    expect(JSON.parse(readFileSync(join(d, "t-00001-of-00002.manifest.json"), "utf8")).shard.from).toBe("SLURM_ARRAY_TASK_ID");
    const bad = await run(["csv", csv, ...tpl, "--shard", "4/4", "-o", out]);
    expect(bad.code).toBe(2);
  });

  it("each engine simulated with N concurrent processes: the merged shards equal the single run; a killed task is caught by merge and re-running it alone completes the set", async () => {
    const d = tmp();
    const jsonl = join(d, "rows.jsonl");
    writeFileSync(jsonl, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ q: `question ${i} about pump ${i % 17}`, a: `answer ${i}` })).join("\n") + "\n");
    expect((await run(["json", jsonl, ...tpl, "-o", join(d, "single.jsonl"), "-q"])).code).toBe(0);
    const single = readFileSync(join(d, "single.jsonl"), "utf8");
    const engines: [string, (i: number, n: number) => Record<string, string>, string[]][] = [
      ["k8s", (i) => ({ JOB_COMPLETION_INDEX: String(i) }), ["--shards", "4"]],
      ["batch", (i, n) => ({ AWS_BATCH_JOB_ARRAY_INDEX: String(i), AWS_BATCH_JOB_ARRAY_SIZE: String(n) }), []],
      ["slurm", (i, n) => ({ SLURM_ARRAY_TASK_ID: String(100 + 3 * i), SLURM_ARRAY_TASK_MIN: "100", SLURM_ARRAY_TASK_STEP: "3", SLURM_ARRAY_TASK_COUNT: String(n) }), []],
    ];
    for (const [name, env, extra] of engines) {
      const rs = await Promise.all([0, 1, 2, 3].map((i) => run(["json", jsonl, ...tpl, ...extra, "-o", join(d, `${name}.jsonl`), "-q"], { env: env(i, 4) })));
      expect(rs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
      const m = await run(["merge", join(d, `${name}-*-of-00004.jsonl`), "-o", join(d, `${name}-all.jsonl`)]);
      expect(m.code, m.stderr).toBe(0);
      expect(m.stderr).toMatch(/4 of 4 shards complete and verified \(bytes, sha256, records\); the shards read 3000 and wrote 3000 records/);
      expect(readFileSync(join(d, `${name}-all.jsonl`), "utf8")).toBe(single);
    }
    // Task 2 of a Slurm array killed mid-run (its input still arriving on stdin): no output, no manifest.
    rmSync(join(d, "slurm-00002-of-00004.jsonl"));
    rmSync(join(d, "slurm-00002-of-00004.manifest.json"));
    const env = { ...process.env, SLURM_ARRAY_TASK_ID: "106", SLURM_ARRAY_TASK_MIN: "100", SLURM_ARRAY_TASK_STEP: "3", SLURM_ARRAY_TASK_COUNT: "4" };
    const child = spawn(process.execPath, [BIN, "csv", "-", ...tpl, "-o", join(d, "slurm.jsonl"), "-q"], { env, stdio: ["pipe", "ignore", "ignore"] });
    const closed = new Promise((r) => child.on("close", r));
    child.stdin.write("q,a\n" + Array.from({ length: 500 }, (_, i) => `q${i},a`).join("\n") + "\n");
    await new Promise((r) => setTimeout(r, 500));
    expect(child.exitCode).toBe(null); // still running, waiting for the rest of its input
    child.kill("SIGKILL");
    await closed;
    expect(existsSync(join(d, "slurm-00002-of-00004.jsonl"))).toBe(false);
    const caught = await run(["merge", join(d, "slurm-*-of-00004.jsonl"), "-o", join(d, "x.jsonl")]);
    expect(caught.code).toBe(3);
    expect(caught.stderr).toMatch(/slurm-00002-of-00004\.jsonl/);
    expect(existsSync(join(d, "x.jsonl"))).toBe(false);
    // The scheduler re-runs that one task; the set is complete and the same.
    const again = await run(["json", jsonl, ...tpl, "-o", join(d, "slurm.jsonl"), "-q"], { env: { SLURM_ARRAY_TASK_ID: "106", SLURM_ARRAY_TASK_MIN: "100", SLURM_ARRAY_TASK_STEP: "3", SLURM_ARRAY_TASK_COUNT: "4" } });
    expect(again.code, again.stderr).toBe(0);
    const m = await run(["merge", join(d, "slurm-*-of-00004.jsonl"), "-o", join(d, "x.jsonl")]);
    expect(m.code, m.stderr).toBe(0);
    expect(readFileSync(join(d, "x.jsonl"), "utf8")).toBe(single);
  });

  it("pdf divides its files among the tasks", async () => {
    const d = tmp();
    const pdfs = [];
    for (let k = 0; k < 4; k++) {
      const p = join(d, `doc${k}.pdf`);
      await writePdf(p, [prose([`Document ${k} has a page of ordinary text about pumps and valves.`])]);
      pdfs.push(p);
    }
    const r = await run(["pdf", d, "--shard", "0/2", "-o", join(d, "cpt.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(readFileSync(join(d, "cpt-00000-of-00002.jsonl"), "utf8")) as { input: string }[];
    expect(recs.map((x) => x.input.slice(0, 10))).toEqual(["Document 0", "Document 1"]);
    expect(JSON.parse(readFileSync(join(d, "cpt-00000-of-00002.manifest.json"), "utf8")).inputs).toEqual([pdfs[0], pdfs[1]]);
  });
});

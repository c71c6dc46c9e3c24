import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writePdf, prose } from "../helpers/pdf.js";
import { lines, run, tmp } from "../helpers/run.js";

const tpl = ["--prompt", "{q}", "--completion", "{a}"];

describe("sharded runs as tasks of an array job", () => {
  it("files are divided by the sorted list, one file by rows; the shards together are the whole run, and merge reconciles them", async () => {
    const d = tmp();
    const files = Array.from({ length: 5 }, (_, k) => {
      const p = join(d, `part${k}.csv`);
      writeFileSync(p, "q,a\n" + Array.from({ length: 10 }, (_, i) => `q${k}-${i},a`).join("\n") + "\n");
      return p;
    });
    const out = join(d, "train.jsonl");
    for (let i = 0; i < 3; i++) expect((await run(["csv", ...files, ...tpl, "--shard", `${i}/3`, "-o", out, "-q"])).code).toBe(0);
    const shard = (i: number) => join(d, `train-0000${i}-of-00003.jsonl`);
    expect(lines(readFileSync(shard(0), "utf8"))).toHaveLength(20); // part0, part3
    expect(lines(readFileSync(shard(2), "utf8"))).toHaveLength(10); // part2
    const manifest = JSON.parse(readFileSync(join(d, "train-00001-of-00003.manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ shard: { index: 1, count: 3, from: "--shard" }, inputs: [files[1], files[4]], read: 20, written: 20, completed: true });
    expect(manifest.outputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const m = await run(["merge", join(d, "train-*-of-00003.jsonl"), "-o", join(d, "all.jsonl")]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/3 of 3 shards complete; the shards read 50 and wrote 50 records/);
    expect(lines(readFileSync(join(d, "all.jsonl"), "utf8"))).toHaveLength(50);
    // A missing or unfinished shard is named and nothing is written.
    rmSync(join(d, "train-00002-of-00003.manifest.json"));
    const inc = await run(["merge", join(d, "train-*-of-00003.jsonl"), "-o", join(d, "x.jsonl")]);
    expect(inc.code).toBe(3);
    expect(inc.stderr).toMatch(/shard .*train-00002-of-00003\.jsonl is incomplete/);
    rmSync(shard(1));
    const miss = await run(["merge", join(d, "train-*-of-00003.jsonl"), "-o", join(d, "x.jsonl")]);
    expect(miss.stderr).toMatch(/missing shard of 3: .*train-00001-of-00003\.jsonl/);
    expect(existsSync(join(d, "x.jsonl"))).toBe(false);
    // One file: every N-th row, starting at the task's index.
    const one = await run(["csv", files[0]!, ...tpl, "--shard", "1/4", "-o", join(d, "one.jsonl")]);
    expect((lines(one.stdout + readFileSync(join(d, "one-00001-of-00004.jsonl"), "utf8")) as { prompt: string }[]).map((x) => x.prompt)).toEqual(["q0-1", "q0-5", "q0-9"]);
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
    expect(recs.map((x) => x.input.slice(0, 10))).toEqual(["Document 0", "Document 2"]);
    expect(JSON.parse(readFileSync(join(d, "cpt-00000-of-00002.manifest.json"), "utf8")).inputs).toEqual([pdfs[0], pdfs[2]]);
  });
});

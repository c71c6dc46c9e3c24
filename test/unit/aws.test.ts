import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBedrockControl, startS3, startS3Faults } from "../helpers/aws-stand-ins.js";
import { prose, writePdf } from "../helpers/pdf.js";
import { BIN, ROOT, lines, run, tmp } from "../helpers/run.js";

let s3: Awaited<ReturnType<typeof startS3>>;
beforeAll(async () => {
  s3 = await startS3({ directory: tmp(), buckets: ["bucket"] });
});
afterAll(async () => {
  await s3.close();
});

const offline = { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(ROOT, "fixtures/hf-cache") };
const ROLE = "arn:aws:iam::123456789012:role/BedrockCustomization";

describe("sharded runs writing to S3", () => {
  it("the tasks write their shards and manifests under an s3:// prefix; merge lists them, checks they are complete, and equals the single run", async () => {
    const d = tmp();
    const csv = join(d, "rows.csv");
    writeFileSync(csv, "q,a\n" + Array.from({ length: 400 }, (_, i) => `question ${i},answer ${i}`).join("\n") + "\n");
    const tpl = ["--prompt", "{q}", "--completion", "{a}"];
    const rs = await Promise.all([0, 1, 2].map((i) => run(["csv", csv, ...tpl, "-o", "s3://bucket/shards/train.jsonl", "-q"], { env: { ...s3.env, AWS_BATCH_JOB_ARRAY_INDEX: String(i), AWS_BATCH_JOB_ARRAY_SIZE: "3" } })));
    expect(rs.map((r) => r.code), rs.map((r) => r.stderr).join("")).toEqual([0, 0, 0]);
    expect((await run(["csv", csv, ...tpl, "-o", join(d, "single.jsonl"), "-q"])).code).toBe(0);
    const m = await run(["merge", "s3://bucket/shards/train-*-of-00003.jsonl", "-o", join(d, "merged.jsonl")], { env: s3.env });
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toMatch(/3 of 3 shards complete and verified \(bytes, sha256, records\); the shards read 400 and wrote 400 records/);
    expect(readFileSync(join(d, "merged.jsonl"), "utf8")).toBe(readFileSync(join(d, "single.jsonl"), "utf8"));
    const missing = await run(["merge", "s3://bucket/shards/train-00000-of-00003.jsonl", "s3://bucket/shards/train-00002-of-00003.jsonl", "-o", join(d, "x.jsonl")], { env: s3.env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/missing shard of 3: s3:\/\/bucket\/shards\/train-00001-of-00003\.jsonl/);
  });
});

describe("from a validated file to a running job, against S3 and Bedrock stand-ins", () => {
  it("dialogsum → upload → job create --submit → job wait, in four commands", async () => {
    const ctl = await startBedrockControl();
    try {
      const d = tmp();
      const train = join(d, "train.jsonl");
      const env = { ...offline, ...ctl.env, ...s3.env };
      expect((await run(["dialogsum", "--format", "instruction", "-o", train], { env })).code).toBe(0);
      const up = await run(["upload", train, "s3://bucket/dialogsum/", "--model", "llama2-13b"], { env });
      expect(up.code, up.stderr).toBe(0);
      const manifest = JSON.parse(up.stdout);
      expect(manifest.files[0]).toMatchObject({ role: "train", uri: "s3://bucket/dialogsum/train.jsonl", bytes: readFileSync(train).length, records: 6, uploaded: true });
      expect(up.stderr).toMatch(/sha256 verified/);
      // Read back through the same S3 code path: byte-identical.
      const back = await run(["validate", "s3://bucket/dialogsum/train.jsonl", "--json"], { env });
      expect(JSON.parse(back.stdout).files[0]).toMatchObject({ bytes: readFileSync(train).length, records: 6 });
      const again = await run(["upload", train, "s3://bucket/dialogsum/", "--model", "llama2-13b"], { env });
      expect(again.stderr).toMatch(/identical object already there/);
      // The training data is re-checked for the job's model: 6 records are under Llama 3.1's minimum of 100.
      const refused = await run(["job", "create", "--model", "llama3.1-8b", "--manifest", join(d, "train.manifest.json"), "--output", "s3://bucket/out/", "--role-arn", ROLE, "--name", "x", "--submit"], { env });
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/breaks meta\.llama3-1-8b-instruct-v1:0's rules at batch size 1: not submitted/);
      expect(ctl.requests.filter((r) => r.method === "POST")).toHaveLength(0);
      const create = await run(["job", "create", "--model", "llama2-13b", "--manifest", join(d, "train.manifest.json"), "--output", "s3://bucket/out/", "--role-arn", ROLE, "--name", "dialogsum-ft", "--epochs", "2", "--learning-rate", "0.00005", "--submit"], { env });
      expect(create.code, create.stderr).toBe(0);
      const sent = ctl.requests.find((r) => r.method === "POST")!.body;
      expect(sent).toMatchObject({ jobName: "dialogsum-ft", baseModelIdentifier: "meta.llama2-13b-v1:0:4k", customizationType: "FINE_TUNING", trainingDataConfig: { s3Uri: "s3://bucket/dialogsum/train.jsonl" }, outputDataConfig: { s3Uri: "s3://bucket/out/" }, hyperParameters: { epochCount: "2", learningRate: "0.00005" } });
      const wait = await run(["job", "wait", "dialogsum-ft", "--interval", "0.05"], { env });
      expect(wait.code, wait.stderr).toBe(0);
      expect(JSON.parse(wait.stdout)).toMatchObject({ status: "Completed", outputModelArn: expect.stringContaining("custom-model/dialogsum-ft") });
    } finally {
      await ctl.close();
    }
  });

  it("job wait exits non-zero with the failure message; job status reports", async () => {
    const ctl = await startBedrockControl({ fail: "Training data is malformed on line 3", pollsToFinish: 1 });
    try {
      const env = { ...ctl.env };
      const c = await run(["job", "create", "--model", "nova-lite", "--train", "s3://bucket/t.jsonl", "--output", "s3://bucket/o/", "--role-arn", ROLE, "--name", "nova-job", "--submit"], { env });
      expect(c.code, c.stderr).toBe(0);
      const s = await run(["job", "status", "nova-job"], { env });
      expect(JSON.parse(s.stdout).status).toBe("InProgress");
      const w = await run(["job", "wait", "nova-job", "--interval", "0.05"], { env });
      expect(w.code).toBe(1);
      expect(w.stderr).toContain("job nova-job Failed: Training data is malformed on line 3");
    } finally {
      await ctl.close();
    }
  });

  it("upload sends nothing when Bedrock would reject the data; a missing bucket is one line", async () => {
    const d = tmp();
    const bad = join(d, "bad.jsonl");
    writeFileSync(bad, '{"prompt": "a"}\n');
    const r = await run(["upload", bad, "s3://bucket/bad/", "--model", "titan-express"], { env: s3.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not uploaded: 1 error\(s\) against titan-express/);
    const head = await run(["validate", "s3://bucket/bad/bad.jsonl"], { env: s3.env });
    expect(head.stderr + head.stdout).toMatch(/no such object/);
    const good = join(d, "good.jsonl");
    writeFileSync(good, '{"prompt": "a", "completion": "b"}\n');
    const nb = await run(["upload", good, "s3://no-such-bucket/x/"], { env: s3.env });
    expect(nb.code).toBe(3);
    expect(nb.stderr.trim().split("\n").at(-1)).toMatch(/^prep-data: s3:\/\/no-such-bucket\/x\/good\.jsonl: (the bucket does not exist|cannot)/);
  });
});

describe("S3 as a place to read and write", () => {
  it("-o s3://… is written whole or not at all: an interrupted run leaves no object", async () => {
    const d = tmp();
    const csv = join(d, "in.csv");
    writeFileSync(csv, "q,a\n" + Array.from({ length: 50 }, (_, i) => `q${i},a${i}`).join("\n") + "\n");
    const ok = await run(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "-o", "s3://bucket/data/train.jsonl"], { env: s3.env });
    expect(ok.code, ok.stderr).toBe(0);
    const conv = await run(["json", "s3://bucket/data/train.jsonl", "--prompt", "{prompt}", "--completion", "{completion}", "-o", "-"], { env: s3.env });
    expect(lines(conv.stdout)).toHaveLength(50);
    // Interrupted mid-run (stdin still open): nothing appears under the key.
    const child = spawn(process.execPath, [BIN, "csv", "-", "--prompt", "{q}", "--completion", "{a}", "-o", "s3://bucket/data/partial.jsonl"], { env: { ...process.env, ...s3.env } });
    child.stdin.write("q,a\n" + "x,y\n".repeat(10000));
    await new Promise((r) => setTimeout(r, 800));
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("close", (c) => r(c)));
    expect(code).toBe(130);
    const gone = await run(["validate", "s3://bucket/data/partial.jsonl"], { env: s3.env });
    expect(gone.stderr + gone.stdout).toMatch(/no such object/);
  });

  // ~21 MB of records: three 8 MiB parts.
  const bigCsv = () => {
    const csv = join(tmp(), "big.csv");
    writeFileSync(csv, "q,a\n" + Array.from({ length: 60_000 }, (_, i) => `question number ${i} about the multipart upload path,answer ${i} ${"x".repeat(300)}`).join("\n") + "\n");
    return csv;
  };
  const getObject = async (key: string) => {
    const { S3Client, GetObjectCommand } = await import("@aws-sdk/client-s3");
    const c = new S3Client({ region: "us-east-1", endpoint: s3.url, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, responseChecksumValidation: "WHEN_REQUIRED" });
    try {
      const r = await c.send(new GetObjectCommand({ Bucket: "bucket", Key: key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    } catch (e) {
      return (e as { name: string }).name;
    }
  };

  it("a 5xx in the middle of a multipart upload is retried and the object reads back byte-identical", async () => {
    const csv = bigCsv();
    const faults = await startS3Faults({ target: s3.url, failPart: 2 });
    try {
      const args = ["csv", csv, "--prompt", "{q}", "--completion", "{a}", "-q"];
      const up = await run([...args, "-o", "s3://bucket/mp/train.jsonl"], { env: { ...s3.env, AWS_ENDPOINT_URL_S3: faults.url } });
      expect(up.code, up.stderr).toBe(0);
      expect(faults.log.failed).toEqual([2]);
      expect(faults.log.parts.filter((n) => n === 2)).toHaveLength(2); // answered 500 once, sent again
      expect(Math.max(...faults.log.parts)).toBeGreaterThanOrEqual(3);
      expect(faults.log.completed).toBe(1);
      const local = join(tmp(), "train.jsonl");
      expect((await run([...args, "-o", local])).code).toBe(0);
      const back = await getObject("mp/train.jsonl");
      expect(Buffer.isBuffer(back) && back.length).toBe(readFileSync(local).length);
      expect((back as Buffer).equals(readFileSync(local))).toBe(true);
    } finally {
      await faults.close();
    }
  });

  it("Ctrl-C in the middle of a multipart upload aborts it: AbortMultipartUpload is sent and no object appears", async () => {
    const csv = bigCsv();
    const faults = await startS3Faults({ target: s3.url, stallAfterParts: 1 });
    try {
      const child = spawn(process.execPath, [BIN, "csv", csv, "--prompt", "{q}", "--completion", "{a}", "-o", "s3://bucket/mp/stopped.jsonl"], { env: { ...process.env, ...s3.env, AWS_ENDPOINT_URL_S3: faults.url } });
      let stderr = "";
      child.stderr.on("data", (c) => (stderr += c));
      const closed = new Promise((r) => child.on("close", (c) => r(c)));
      for (let i = 0; i < 200 && faults.log.parts.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(faults.log.parts.length).toBeGreaterThanOrEqual(2);
      child.kill("SIGINT");
      expect(await closed).toBe(130);
      expect(stderr).toMatch(/interrupted by SIGINT; the upload was aborted/);
      expect(faults.log.aborted).toHaveLength(1);
      expect(faults.log.completed).toBe(0);
      expect(await getObject("mp/stopped.jsonl")).toBe("NoSuchKey");
    } finally {
      await faults.close();
    }
  });

  it("a second Ctrl-C while the first one's clean-up waits (an AbortMultipartUpload never answered) exits at once with 130", async () => {
    const csv = bigCsv();
    const faults = await startS3Faults({ target: s3.url, stallAfterParts: 1, stallAbort: true });
    try {
      const child = spawn(process.execPath, [BIN, "csv", csv, "--prompt", "{q}", "--completion", "{a}", "-o", "s3://bucket/mp/twice.jsonl"], { env: { ...process.env, ...s3.env, AWS_ENDPOINT_URL_S3: faults.url, PREP_DATA_S3_TIMEOUT: "60s" } });
      let stderr = "";
      child.stderr.on("data", (c) => (stderr += c));
      let exited = false;
      const closed = new Promise<number | null>((r) => child.on("close", (c) => ((exited = true), r(c))));
      for (let i = 0; i < 200 && faults.log.parts.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 500));
      expect(exited).toBe(false); // the first waits for the abort, which is never answered
      const t0 = Date.now();
      child.kill("SIGINT");
      expect(await closed).toBe(130);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(stderr).toMatch(/interrupted again by SIGINT; exiting without waiting/);
    } finally {
      await faults.close();
    }
  });

  it("a part that is never answered ends the upload: PREP_DATA_S3_TIMEOUT bounds each request, the upload is aborted, no object appears (exit 3)", async () => {
    const csv = bigCsv();
    const faults = await startS3Faults({ target: s3.url, stallAfterParts: 1 });
    try {
      const t0 = Date.now();
      const r = await run(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "-q", "-o", "s3://bucket/mp/stalled.jsonl"], { env: { ...s3.env, AWS_ENDPOINT_URL_S3: faults.url, PREP_DATA_S3_TIMEOUT: "1s" } });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stderr).toMatch(/s3:\/\/bucket\/mp\/stalled\.jsonl: .*no answer within 1 s \(PREP_DATA_S3_TIMEOUT\)/);
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(new Set(faults.log.aborted).size).toBe(1); // the one upload aborted (by the SDK and by us: the same id)
      expect(faults.log.completed).toBe(0);
      expect(await getObject("mp/stalled.jsonl")).toBe("NoSuchKey");
    } finally {
      await faults.close();
    }
  }, 60_000);

  it("an object in a bucket that does not exist says so (a HEAD's 404 said 'no such object'); a missing key in a real bucket is 'no such object'", async () => {
    for (const args of [["json", "s3://nobucket/x.jsonl", "--prompt", "{a}", "--completion", "{b}"], ["validate", "s3://nobucket/x.jsonl"]]) {
      const r = await run(args, { env: s3.env });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/s3:\/\/nobucket\/x\.jsonl: (file: )?the bucket does not exist/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const v = await run(["validate", "s3://bucket/none.jsonl"], { env: s3.env });
    expect(v.stderr).toMatch(/s3:\/\/bucket\/none\.jsonl: no such object/);
  });

  it("a prefix of many small objects is read several ahead (in order, same records): 120 objects behind 30 ms of latency", async () => {
    const { S3Client, PutObjectCommand } = await import("@aws-sdk/client-s3");
    const c = new S3Client({ region: "us-east-1", endpoint: s3.url, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, requestChecksumCalculation: "WHEN_REQUIRED" });
    const n = 120;
    for (let i = 0; i < n; i++) {
      await c.send(new PutObjectCommand({ Bucket: "bucket", Key: `ahead/part-${String(i).padStart(4, "0")}.jsonl`, Body: JSON.stringify({ prompt: `question ${i}`, completion: `answer ${i}` }) + "\n" }));
    }
    const faults = await startS3Faults({ target: s3.url, latencyMs: 30 });
    try {
      const r = await run(["json", "s3://bucket/ahead/", "--prompt", "{prompt}", "--completion", "{completion}", "-q", "-o", "-"], { env: { ...s3.env, AWS_ENDPOINT_URL_S3: faults.url } });
      expect(r.code, r.stderr).toBe(0);
      expect((lines(r.stdout) as { prompt: string }[]).map((x) => x.prompt)).toEqual(Array.from({ length: n }, (_, i) => `question ${i}`));
      expect(faults.log.gets).toBe(n);
      expect(faults.log.maxGets).toBeGreaterThanOrEqual(4); // one at a time before
    } finally {
      await faults.close();
    }
  }, 60_000);

  it("PREP_DATA_S3_TIMEOUT that is not a duration is a usage error", async () => {
    const r = await run(["csv", bigCsv(), "--prompt", "{q}", "--completion", "{a}", "-o", "s3://bucket/x.jsonl"], { env: { ...s3.env, PREP_DATA_S3_TIMEOUT: "soon" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PREP_DATA_S3_TIMEOUT=soon: expected seconds or a duration such as 30s, 5m, 1h/);
  });

  it("pdf and text read s3:// objects and prefixes (a prefix takes the command's file types: PDFs for pdf, documents and PDFs for text)", async () => {
    const { S3Client, PutObjectCommand } = await import("@aws-sdk/client-s3");
    const c = new S3Client({ region: "us-east-1", endpoint: s3.url, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, requestChecksumCalculation: "WHEN_REQUIRED" });
    const d = tmp();
    const para = (w: string) => Array.from({ length: 12 }, (_, i) => `${w} line ${i} of a document kept in a bucket, read without a copy on disk.`);
    for (const name of ["alpha", "beta"]) {
      await writePdf(join(d, `${name}.pdf`), [prose(para(name))]);
      await c.send(new PutObjectCommand({ Bucket: "bucket", Key: `docs/${name}.pdf`, Body: readFileSync(join(d, `${name}.pdf`)) }));
    }
    await c.send(new PutObjectCommand({ Bucket: "bucket", Key: "docs/notes.md", Body: "# Notes\n\nA markdown note in the same prefix, long enough to be a chunk of its own.\n" }));
    await c.send(new PutObjectCommand({ Bucket: "bucket", Key: "docs/broken.pdf", Body: "not a pdf at all" }));
    const pdf = await run(["pdf", "s3://bucket/docs/", "--format", "cpt", "-o", "-", "--metadata", join(d, "meta.jsonl")], { env: s3.env });
    expect(pdf.code).toBe(1); // broken.pdf is a finding; the others are written
    expect(pdf.stderr).toMatch(/s3:\/\/bucket\/docs\/broken\.pdf: /);
    const recs = lines(pdf.stdout) as { input: string }[];
    expect(recs.map((r) => r.input.split(" ")[0])).toEqual(["alpha", "beta"]);
    const local = await run(["pdf", join(d, "alpha.pdf"), "--format", "cpt", "-o", "-"]);
    expect(recs[0]).toEqual(lines(local.stdout)[0]);
    expect(readFileSync(join(d, "meta.jsonl"), "utf8")).toMatch(/"source":"s3:\/\/bucket\/docs\/alpha\.pdf"/);
    const one = await run(["pdf", "s3://bucket/docs/beta.pdf", "--format", "cpt", "-o", "-"], { env: s3.env });
    expect(lines(one.stdout)).toEqual([recs[1]]);
    // text takes its own types from the prefix, PDFs among them (read as pdf reads them): the same records, the note after.
    const text = await run(["text", "s3://bucket/docs/", "--format", "cpt", "-o", "-"], { env: s3.env });
    expect(text.code, text.stderr).toBe(1);
    expect(text.stderr).toMatch(/s3:\/\/bucket\/docs\/broken\.pdf: /);
    expect((lines(text.stdout) as { input: string }[]).map((r) => r.input)).toEqual([recs[0]!.input, recs[1]!.input, expect.stringMatching(/^# Notes\n\nA markdown note/)]);
    const missing = await run(["pdf", "s3://bucket/docs/nope.pdf", "--format", "cpt", "-o", "-"], { env: s3.env });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/s3:\/\/bucket\/docs\/nope\.pdf: FAILED: no such object/);
  });

  it("a prefix or a glob reads every object it matches; --s3-path-style sets path addressing", async () => {
    const d = tmp();
    const csv = join(d, "in.csv");
    writeFileSync(csv, "q,a\nq1,a1\nq2,a2\n");
    const env = { ...s3.env, PREP_DATA_S3_PATH_STYLE: undefined };
    for (const k of ["one", "two"]) expect((await run(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "-o", `s3://bucket/many/${k}.jsonl`, "--s3-path-style"], { env })).code).toBe(0);
    writeFileSync(join(d, "x.csv"), "q,a\nz,z\n");
    expect((await run(["csv", join(d, "x.csv"), "--prompt", "{q}", "--completion", "{a}", "-o", "s3://bucket/many/three.txt.jsonl", "--s3-path-style"], { env })).code).toBe(0);
    const all = await run(["json", "s3://bucket/many/", "--prompt", "{prompt}", "--completion", "{completion}", "-o", "-", "--s3-path-style"], { env });
    expect(lines(all.stdout)).toHaveLength(5);
    const glob = await run(["json", "s3://bucket/many/t*.jsonl", "--prompt", "{prompt}", "--completion", "{completion}", "-o", "-", "--s3-path-style"], { env });
    expect(lines(glob.stdout)).toEqual([{ prompt: "z", completion: "z" }, { prompt: "q1", completion: "a1" }, { prompt: "q2", completion: "a2" }]);
    const none = await run(["json", "s3://bucket/nothing/", "--prompt", "{prompt}", "--completion", "{completion}", "--s3-path-style"], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/s3:\/\/bucket\/nothing\/: no objects match/);
  });
});

describe("job create checks the request against the model before anything is sent", () => {
  const base = ["job", "create", "--train", "s3://bucket/t.jsonl", "--output", "s3://bucket/o/", "--role-arn", ROLE, "--name", "j1"];
  it("hyperparameters: ranges, types and names from the profile table", async () => {
    const e50 = await run([...base, "--model", "titan-express", "--epochs", "50"]);
    expect(e50.code).toBe(2);
    expect(e50.stderr).toMatch(/epochCount 50 is outside amazon\.titan-text-express-v1's range 1–10 \[H1\]/);
    const unknown = await run([...base, "--model", "llama3.1-8b", "--hp", "warmup=3"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown hyperparameter warmup .*: epochCount, batchSize, learningRate$/m);
    const frac = await run([...base, "--model", "llama3.1-8b", "--epochs", "2.5"]);
    expect(frac.stderr).toMatch(/epochCount 2\.5: .* takes a whole number/);
    const dry = await run([...base, "--model", "titan-express", "--batch-size", "8", "--epochs", "3"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).hyperParameters).toEqual({ epochCount: "3", batchSize: "8" });
    expect(dry.stderr).toMatch(/learningRate\s+\(default 0\.00001\)/);
    expect(dry.stderr).toMatch(/dry run: nothing sent/);
  });

  it("customization types per model; distillation needs a teacher; Claude Instant points at Nova 2 Lite", async () => {
    const cpt = await run([...base, "--model", "llama3.1-8b", "--type", "continued-pre-training"]);
    expect(cpt.code).toBe(2);
    expect(cpt.stderr).toMatch(/does not offer continued-pre-training; it offers fine-tuning/);
    const d = await run([...base, "--model", "nova-lite", "--type", "distillation"]);
    expect(d.stderr).toMatch(/--type distillation needs --teacher/);
    const dt = await run([...base, "--model", "nova-lite", "--type", "distillation", "--teacher", "amazon.nova-pro-v1:0"]);
    expect(JSON.parse(dt.stdout)).toMatchObject({ customizationType: "DISTILLATION", customizationConfig: { distillationConfig: { teacherModelConfig: { teacherModelIdentifier: "amazon.nova-pro-v1:0", maxResponseLengthForInference: 1000 } } } });
    const instant = await run([...base, "--model", "claude-instant"]);
    expect(instant.code).toBe(2);
    expect(instant.stderr).toMatch(/no longer offered for customization .* Nova 2 Lite/);
    const ctlLess = await run([...base, "--model", "nova-lite", "--submit"], { env: { AWS_ENDPOINT_URL_BEDROCK: "http://127.0.0.1:9", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: "no-such-profile", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" } });
    expect(ctlLess.code).toBe(3);
    expect(ctlLess.stderr.trim().split("\n").at(-1)).toMatch(/^prep-data: CreateModelCustomizationJob: /);
  });

  it("Titan's batch sizes 5–64 are valid for validate too (the token limit of the largest published batch applies)", async () => {
    const d = tmp();
    const f = join(d, "t.jsonl");
    writeFileSync(f, '{"prompt": "a", "completion": "b"}\n');
    const v = await run(["validate", f, "-m", "titan-express", "--batch-size", "32"]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});

describe("AWS options as the AWS CLI takes them", () => {
  it("--region, --profile and --endpoint-url (before or after the command) reach S3 and Bedrock without the environment variables", async () => {
    const ctl = await startBedrockControl();
    try {
      const d = tmp();
      const creds = join(d, "credentials");
      writeFileSync(creds, "[stand-in]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n");
      const env = { AWS_SHARED_CREDENTIALS_FILE: creds, AWS_CONFIG_FILE: join(d, "none"), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_REGION: undefined, AWS_PROFILE: undefined, AWS_ENDPOINT_URL_S3: undefined, AWS_ENDPOINT_URL_BEDROCK: undefined };
      const f = join(d, "t.jsonl");
      writeFileSync(f, '{"prompt": "a", "completion": "b"}\n');
      const s3Url = s3.env.AWS_ENDPOINT_URL_S3;
      const up = await run(["upload", f, "s3://bucket/opts/", "--force", "--region", "us-east-1", "--profile", "stand-in", "--endpoint-url", s3Url, "--s3-path-style"], { env });
      expect(up.code, up.stderr).toBe(0);
      const back = await run(["--region", "us-east-1", "--profile", "stand-in", "--endpoint-url", s3Url, "--s3-path-style", "validate", "s3://bucket/opts/t.jsonl", "--json"], { env });
      expect(back.code, back.stderr).toBe(0);
      expect(JSON.parse(back.stdout).files[0]).toMatchObject({ records: 1 });
      const st = await run(["job", "status", "nothing-yet", "--region", "us-east-1", "--profile", "stand-in", "--endpoint-url", ctl.env.AWS_ENDPOINT_URL_BEDROCK], { env });
      expect(ctl.requests.length).toBeGreaterThan(0);
      expect(st.stderr).not.toMatch(/Could not load credentials|Region is missing/);
      // Without them the same command has no Region and no credentials.
      const none = await run(["validate", "s3://bucket/opts/t.jsonl"], { env });
      expect(none.code).not.toBe(0);
      const bad = await run(["validate", "x.jsonl", "--endpoint-url", "localhost"], { env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--endpoint-url localhost: expected http\(s\):\/\/host/);
    } finally {
      await ctl.close();
    }
  });
});

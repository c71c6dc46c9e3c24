import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getProfile, planJob, requestProblems, uploadVerified } from "../../src/index.js";
import { startBedrockControl, startS3 } from "../helpers/aws-stand-ins.js";
import { startTeacherServer } from "../helpers/teacher-server.js";
import { run, tmp } from "../helpers/run.js";

let s3: Awaited<ReturnType<typeof startS3>>;
beforeAll(async () => {
  s3 = await startS3({ directory: tmp(), buckets: ["bucket"] });
  Object.assign(process.env, s3.env);
});
afterAll(async () => {
  await s3.close();
});

const ROLE = "arn:aws:iam::123456789012:role/BedrockCustomization";
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const records = (n: number, tag: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `${tag} ${i}`, completion: `c ${i}` })).join("\n") + "\n";

describe("upload stores exactly the validated bytes, and proves it", () => {
  it("a training and a validation file with one basename: usage error before any request", async () => {
    const d = tmp();
    mkdirSync(join(d, "a"));
    mkdirSync(join(d, "v"));
    writeFileSync(join(d, "a", "data.jsonl"), records(60, "train"));
    writeFileSync(join(d, "v", "data.jsonl"), records(50, "val"));
    const r = await run(["upload", join(d, "a", "data.jsonl"), "--validation", join(d, "v", "data.jsonl"), "s3://bucket/col/"], { env: s3.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would both be uploaded as s3:\/\/bucket\/col\/data\.jsonl/);
    const head = await run(["validate", "s3://bucket/col/data.jsonl"], { env: s3.env });
    expect(head.stdout + head.stderr).toMatch(/no such object/);
  });

  it("keys Bedrock cannot read (spaces, +, =, upper-case bucket) are refused before any request", async () => {
    const d = tmp();
    const f = join(d, "my data.jsonl");
    writeFileSync(f, records(3, "x"));
    const r = await run(["upload", f, "s3://bucket/ok/"], { env: s3.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not an S3 URI a Bedrock job takes/);
    const g = join(d, "good.jsonl");
    writeFileSync(g, records(3, "x"));
    for (const dest of ["s3://Bucket/x/", "s3://bucket/year=2024/", "s3://bucket/a+b/", "s3://bucket/a//b/"]) {
      const x = await run(["upload", g, dest], { env: s3.env });
      expect(x.code, dest).toBe(2);
    }
  });

  it("bytes that are not the validated ones (the file changed after validation) upload nothing; an object with the right metadata but other bytes is replaced", async () => {
    const d = tmp();
    const f = join(d, "train.jsonl");
    const validated = Buffer.from(records(200, "validated"));
    writeFileSync(f, records(200, "changed!!")); // same length, other bytes
    expect(readFileSync(f).length).toBe(validated.length);
    await expect(uploadVerified(f, "s3://bucket/t1/train.jsonl", { sha256: sha(validated), bytes: validated.length })).rejects.toThrow(/changed after it was validated.*nothing uploaded/);
    const gone = await run(["validate", "s3://bucket/t1/train.jsonl"], { env: s3.env });
    expect(gone.stdout + gone.stderr).toMatch(/no such object/);

    // An object already under the key whose metadata claims the file's sha256 but whose bytes differ.
    writeFileSync(f, validated);
    const { S3Client, PutObjectCommand } = await import("@aws-sdk/client-s3");
    const c = new S3Client({ endpoint: s3.url, forcePathStyle: true, region: "us-east-1", credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
    await c.send(new PutObjectCommand({ Bucket: "bucket", Key: "t2/train.jsonl", Body: Buffer.from(records(200, "changed!!")), Metadata: { sha256: sha(validated) } }));
    const notes: string[] = [];
    const r = await uploadVerified(f, "s3://bucket/t2/train.jsonl", { sha256: sha(validated), bytes: validated.length }, { onNote: (m) => notes.push(m) });
    expect(r.uploaded).toBe(true);
    expect(notes.join("\n")).toMatch(/its bytes differ; uploading again/);
    const back = await run(["validate", "s3://bucket/t2/train.jsonl", "--json"], { env: s3.env });
    expect(JSON.parse(back.stdout).files[0].bytes).toBe(validated.length);
    const again = await uploadVerified(f, "s3://bucket/t2/train.jsonl", { sha256: sha(validated), bytes: validated.length }, { onNote: (m) => notes.push(m) });
    expect(again.uploaded).toBe(false);
    expect(notes.at(-1)).toMatch(/read back and verified/);
  });
});

describe("requests are checked against the service model's input shapes before they are built", () => {
  const base = ["job", "create", "--model", "nova-lite", "--output", "s3://bucket/o/", "--role-arn", ROLE, "--name", "j1"];
  it("customModelName, S3 URIs, teacher ids and Converse's temperature: usage errors naming the option", async () => {
    for (const [args, option] of [
      [["--train", "s3://bucket/t.jsonl", "--custom-model-name", "dialogsum-ft.v2"], "--custom-model-name"],
      [["--train", "s3://bucket/t.jsonl", "--custom-model-name", "ft--v2"], "--custom-model-name"],
      [["--train", "s3://bucket/my data/t.jsonl"], "--train"],
      [["--train", "s3://bucket/x=1/t.jsonl"], "--train"],
      [["--train", "s3://Bucket/t.jsonl"], "--train"],
      [["--train", "s3://bucket/a//t.jsonl"], "--train"],
      [["--train", "s3://bucket/t.jsonl", "--type", "distillation", "--teacher", "not a model!"], "--teacher"],
    ] as const) {
      const r = await run([...base, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toContain(option);
      expect(r.stderr).toMatch(/service model, botocore/);
    }
    const s = await startTeacherServer();
    try {
      const d = tmp();
      writeFileSync(join(d, "docs.csv"), "document\nA short document about rivers.\n");
      const t = await run(["synth", join(d, "docs.csv"), "--teacher", "bedrock:anthropic.claude-3-haiku-20240307-v1:0", "--temperature", "1.5", "-o", join(d, "o.jsonl")], { env: { AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_BEDROCK_RUNTIME: s.url, AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" } });
      expect(t.code).toBe(2);
      expect(t.stderr).toMatch(/--temperature \(inferenceConfig\.temperature\) value 1\.5 is above the maximum 1/);
      expect(s.seen).toHaveLength(0);
      // What a Bedrock teacher sends passes Converse's shape (the stand-in records each body).
      const ok = await run(["synth", join(d, "docs.csv"), "--teacher", "bedrock:anthropic.claude-3-haiku-20240307-v1:0", "--temperature", "0.7", "--max-output-tokens", "500", "--system", "Be brief.", "--no-cache", "-o", join(d, "o.jsonl")], { env: { AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_BEDROCK_RUNTIME: s.url, AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" } });
      expect(ok.code, ok.stderr).toBe(0);
      expect(s.seen).toHaveLength(1);
      expect(requestProblems("bedrock-runtime", "Converse", { modelId: s.seen[0]!.model, ...(s.seen[0]!.body as object) })).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("every request job create builds, for every model and type it offers, passes CreateModelCustomizationJob's input shape; and is sent as built", async () => {
    const ids = ["titan-express", "titan-lite", "haiku", "llama2-13b", "llama3.1-8b", "nova-lite", "nova-micro", "nova-pro", "cohere-command", "cohere-command-light"];
    let checked = 0;
    for (const id of ids) {
      let p;
      try {
        p = getProfile(id);
      } catch {
        continue;
      }
      for (const type of ["fine-tuning", "continued-pre-training", "distillation"] as const) {
        let plan;
        try {
          plan = planJob({ model: p.id, type, train: "s3://bucket/data/train.jsonl", validation: "s3://bucket/data/validation.jsonl", output: "s3://bucket/out/", roleArn: ROLE, name: "my-job.v2+x", customModelName: "my_model-2", hyperparameters: { epochCount: "2" }, teacher: "amazon.nova-pro-v1:0" });
        } catch (e) {
          expect((e as Error).message).not.toMatch(/service model/);
          continue;
        }
        expect(requestProblems("bedrock", "CreateModelCustomizationJob", plan.request), `${id} ${type}`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(6);
    const ctl = await startBedrockControl();
    try {
      const r = await run([...base, "--train", "s3://bucket/t.jsonl", "--submit"], { env: ctl.env });
      expect(r.code, r.stderr).toBe(0);
      const sent = ctl.requests.find((x) => x.method === "POST")!.body;
      expect(requestProblems("bedrock", "CreateModelCustomizationJob", sent)).toEqual([]);
    } finally {
      await ctl.close();
    }
  });

  it("Cohere's documented hyperparameters are taken: earlyStoppingThreshold, earlyStoppingPatience, a float evalPercentage", async () => {
    // Cohere fine-tuning ended 2025-09-15: the table is checked as of a day before; the CLI refuses the model today.
    const before = new Date("2025-09-01");
    const spec = { model: "cohere-command-light", type: "fine-tuning" as const, train: "s3://bucket/t.jsonl", output: "s3://bucket/o/", roleArn: ROLE, name: "c1" };
    expect(planJob({ ...spec, hyperparameters: { earlyStoppingThreshold: "0.05", earlyStoppingPatience: "3", evalPercentage: "12.5" } }, before).request.hyperParameters).toEqual({ earlyStoppingThreshold: "0.05", earlyStoppingPatience: "3", evalPercentage: "12.5" });
    expect(() => planJob({ ...spec, hyperparameters: { earlyStoppingPatience: "11" } }, before)).toThrow(/earlyStoppingPatience 11 is outside .* 1–10 \[H3\]/);
    const today = await run(["job", "create", "--model", "cohere-command-light", "--train", "s3://bucket/t.jsonl", "--output", "s3://bucket/o/", "--role-arn", ROLE, "--name", "c1"]);
    expect(today.code).toBe(2);
    expect(today.stderr).toMatch(/end of life 2025-09-15/);
  });
});

describe("job create --manifest", () => {
  it("reads the manifest's local paths relative to the manifest, from any working directory, and refuses a file changed since upload", async () => {
    const d = tmp();
    const train = join(d, "train.jsonl");
    writeFileSync(train, Array.from({ length: 120 }, (_, i) => JSON.stringify({ prompt: `question ${i}?`, completion: `answer ${i}.` })).join("\n") + "\n");
    const up = await run(["upload", train, "s3://bucket/m/", "--model", "llama2-13b"], { env: s3.env, cwd: d });
    expect(up.code, up.stderr).toBe(0);
    const manifest = join(d, "train.manifest.json");
    expect(JSON.parse(readFileSync(manifest, "utf8")).files[0].local).toBe("train.jsonl");
    const elsewhere = tmp();
    const args = ["job", "create", "--model", "llama2-13b", "--manifest", manifest, "--output", "s3://bucket/out/", "--role-arn", ROLE, "--name", "m1"];
    const ok = await run(args, { cwd: elsewhere });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).not.toMatch(/is not here/);
    writeFileSync(train, readFileSync(train, "utf8") + JSON.stringify({ prompt: "late", completion: "edit" }) + "\n");
    const changed = await run(args, { cwd: elsewhere });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/changed since it was uploaded/);
  });
});

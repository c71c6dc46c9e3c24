import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openai, teacher, type TeacherServer as Server } from "../helpers/teachers.js";
import { writePdf, prose } from "../helpers/pdf.js";
import { BIN, lines, run, tmp } from "../helpers/run.js";
import { docsCsv } from "../helpers/docs.js";

const awsEnv = (s: Server) => ({ AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "not-a-secret", AWS_ENDPOINT_URL_BEDROCK_RUNTIME: s.url, PREP_DATA_TEACHER_BACKOFF_MS: "10" });
const fast = { PREP_DATA_TEACHER_BACKOFF_MS: "10" };

describe("prep-data synth: the published recipe", () => {
  it("three pairs per document plus the originals give 4 × documents records, valid for the student (Bedrock Converse)", async () => {
    const s = await teacher();
    const d = tmp();
    const out = join(d, "train.jsonl");
    const r = await run(["synth", docsCsv(d, 10), "--teacher", "bedrock:anthropic.claude-3-sonnet-20240229-v1:0", "--pairs", "3", "--include-originals", "--format", "messages", "--model", "haiku", "-o", out, "--metadata", join(d, "meta.jsonl")], { env: awsEnv(s) });
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(readFileSync(out, "utf8")) as { messages: { role: string; content: string }[] }[];
    expect(recs).toHaveLength(40);
    // The published conversion: user = document, blank line, question; assistant = answer.
    expect(recs[0]!.messages[0]!.content).toBe("Document 0 about rivers: rivers shape the land in slow and sudden ways, and people have studied rivers for centuries.\n\nWhat is document 0 about?");
    expect(recs[0]!.messages[1]!.content).toBe("It is about rivers.");
    const meta = lines(readFileSync(join(d, "meta.jsonl"), "utf8")) as { kind: string; teacher?: string; line: number }[];
    expect(meta.filter((m) => m.kind === "original")).toHaveLength(10);
    expect(meta.filter((m) => m.kind === "synthetic" && m.teacher === "bedrock:anthropic.claude-3-sonnet-20240229-v1:0")).toHaveLength(30);
    expect(meta[0]!.line).toBe(2);
    // What the teacher saw: Converse at the model's URL, the document and the original pair, 3 pairs asked.
    expect(s.seen).toHaveLength(10);
    expect(s.seen[0]!.path).toBe("/model/anthropic.claude-3-sonnet-20240229-v1%3A0/converse");
    expect(s.seen[0]!.prompt).toContain("Write 3 new question and answer pairs");
    expect(s.seen.find((x) => x.prompt.includes("Document 0 "))!.prompt).toContain("Example question: What is document 0 about?");
    const v = await run(["validate", out, "--model", "haiku"]);
    expect(v.code, v.stdout).toBe(0);
    expect(r.stderr).toMatch(/teacher: 10 documents, 10 requests \(0 from cache, 0 retries, 0 failed\)/);
  });

  it("the published experiment assembled with prep-data alone: originals sampled with a seed, synthetic pairs, merged and de-duplicated, a test set held out by document, validated for the student", async () => {
    const s = await teacher();
    const d = tmp();
    const csv = docsCsv(d, 40);
    const split = ["--sample", "20", "--seed", "1", "--test-fraction", "0.25", "--group-by", "{document}", "--format", "messages"];
    const o = await run(["csv", csv, "--prompt", "{document}\\n\\n{question}", "--completion", "{answer}", ...split, "-o", join(d, "originals.jsonl")]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stderr).toMatch(/--sample 20: 20 of 40 rows sampled \(seed 1\)/);
    const y = await run(["synth", csv, ...openai(s), "--pairs", "3", ...split, "-o", join(d, "synthetic.jsonl")], { env: fast });
    expect(y.code, y.stderr).toBe(0);
    // --key '{question}': pairs compared by their question, not by the document they share (which made most synthetic
    // records near copies of their original in real data).
    const m = await run(["merge", join(d, "originals.jsonl"), join(d, "synthetic.jsonl"), "--dedup", "near", "--key", "{question}", "--tag", "--metadata", join(d, "origin.jsonl"), "--rejects", join(d, "dups.jsonl"), "--validation-fraction", "0.1", "--model", "haiku", "-o", join(d, "train.jsonl")]);
    expect(m.code, m.stderr).toBe(0);
    const t = await run(["merge", join(d, "originals.test.jsonl"), join(d, "synthetic.test.jsonl"), "-o", join(d, "test.jsonl")]);
    expect(t.code, t.stderr).toBe(0);
    const doc = (r: unknown) => (r as { messages: { content: string }[] }).messages[0]!.content.split("\n\n")[0]!.replace(/^.*?(Document \d+).*$/s, "$1");
    const read = (f: string) => lines(readFileSync(join(d, f), "utf8"));
    const train = [...read("train.jsonl"), ...read("validation.jsonl")];
    const test = read("test.jsonl");
    // 20 sampled documents, each an original and 3 synthetic pairs, all accounted for; no document on both sides.
    expect(train.length + test.length + lines(readFileSync(join(d, "dups.jsonl"), "utf8")).length).toBe(80);
    expect(test.length).toBeGreaterThan(0);
    const held = new Set(test.map(doc));
    expect(train.some((r) => held.has(doc(r)))).toBe(false);
    expect(new Set([...train, ...test].map(doc)).size).toBe(20);
    const origin = read("origin.jsonl") as { tag: string }[];
    expect(new Set(origin.map((x) => x.tag))).toEqual(new Set(["originals", "synthetic"]));
    // Deduplicated by question, every synthetic pair of the training documents survives.
    expect(readFileSync(join(d, "dups.jsonl"), "utf8")).toBe("");
    expect(origin.filter((x) => x.tag === "synthetic").length).toBe(3 * origin.filter((x) => x.tag === "originals").length);
    const v = await run(["validate", join(d, "train.jsonl"), "--validation", join(d, "validation.jsonl"), "--model", "haiku"]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it("--shard: each task of an array job asks the teacher about its block of the documents; merged, the shards are the single run", async () => {
    const s = await teacher();
    const d = tmp();
    const csv = docsCsv(d, 12);
    const single = await run(["synth", csv, ...openai(s), "--pairs", "2", "--no-cache", "-o", join(d, "single.jsonl")], { env: fast });
    expect(single.code, single.stderr).toBe(0);
    const before = s.seen.length;
    const tasks = await Promise.all([0, 1, 2].map((i) => run(["synth", csv, ...openai(s), "--pairs", "2", "--no-cache", "--metadata", join(d, "meta.jsonl"), "-o", join(d, "syn.jsonl")], { env: { ...fast, AWS_BATCH_JOB_ARRAY_INDEX: String(i), AWS_BATCH_JOB_ARRAY_SIZE: "3" } })));
    expect(tasks.map((t) => t.code), tasks.map((t) => t.stderr).join("")).toEqual([0, 0, 0]);
    // Each document was sent once, by one task.
    expect(s.seen.length - before).toBe(12);
    expect(existsSync(join(d, "meta-00001-of-00003.jsonl"))).toBe(true);
    expect(JSON.parse(readFileSync(join(d, "syn-00002-of-00003.manifest.json"), "utf8"))).toMatchObject({ shard: { index: 2, count: 3 }, inputs: [csv], completed: true });
    const m = await run(["merge", join(d, "syn-*-of-00003.jsonl"), "-o", join(d, "all.jsonl")]);
    expect(m.code, m.stderr).toBe(0);
    expect(readFileSync(join(d, "all.jsonl"), "utf8")).toBe(readFileSync(join(d, "single.jsonl"), "utf8"));
  });

  it("an OpenAI-compatible server, conversation records; --concurrency 1 and 16 write identical files", async () => {
    const s = await teacher({ latencyMs: 5 });
    const d = tmp();
    const csv = docsCsv(d, 24);
    const a = await run(["synth", csv, ...openai(s), "--format", "conversation", "--concurrency", "1", "--no-cache", "-o", join(d, "a.jsonl")]);
    const b = await run(["synth", csv, ...openai(s), "--format", "conversation", "--concurrency", "16", "--no-cache", "-o", join(d, "b.jsonl")]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(readFileSync(join(d, "a.jsonl"), "utf8")).toBe(readFileSync(join(d, "b.jsonl"), "utf8"));
    expect(lines(readFileSync(join(d, "a.jsonl"), "utf8"))).toHaveLength(72);
    expect(s.seen.every((x) => x.path === "/v1/chat/completions" && x.model === "qwen2.5-7b-instruct")).toBe(true);
  });

  it("never has more than --concurrency requests in flight", async () => {
    const s = await teacher({ latencyMs: 60 });
    const d = tmp();
    const r = await run(["synth", docsCsv(d, 20), ...openai(s), "--concurrency", "4", "--no-cache", "-o", join(d, "o.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.maxInflight()).toBe(4);
  });
});

describe("prep-data synth under faults", () => {
  it("throttling (429 with Retry-After), 503 and dropped connections are retried, bounded; then a finding and the run goes on", async () => {
    const faults = (n: number, prompt: string) => {
      if (prompt.includes("Document 1 ")) return { kind: "429" as const, retryAfter: 0 }; // always throttled
      if (n < 2) return { kind: "503" as const };
      if (n === 2) return { kind: "dropped" as const };
      return undefined;
    };
    for (const [name, args, env] of [
      ["openai", (s: Server) => openai(s), () => fast],
      ["bedrock", () => ["--teacher", "bedrock:meta.llama3-70b-instruct-v1:0"], (s: Server) => awsEnv(s)],
    ] as const) {
      const s = await teacher({ faults });
      const d = tmp();
      const out = join(d, "o.jsonl");
      const r = await run(["synth", docsCsv(d, 4), ...args(s), "--retries", "3", "--concurrency", "1", "--no-cache", "-o", out], { env: env(s) });
      expect(r.code, `${name}: ${r.stderr}`).toBe(1);
      expect(r.stderr, name).toMatch(/docs\.csv:3: teacher-error: .*(Throttling|429|Too many).*\(after 4 attempts\)/);
      // Document 1: 4 attempts, no more; the others answered after their retries.
      expect(s.seen.filter((x) => x.prompt.includes("Document 1 ")), name).toHaveLength(4);
      expect(lines(readFileSync(out, "utf8")), name).toHaveLength(9);
      expect(r.stderr, name).toMatch(/teacher: 4 documents, \d+ requests \(0 from cache, \d+ retries, 1 failed\)/);
    }
  });

  it("malformed, short, duplicate, prose and fenced replies: parsed where possible, the rest counted by reason and in --rejects", async () => {
    const kinds = ["malformed", "short", "duplicate", "prose", "fenced"] as const;
    const s = await teacher({ faults: (_n, prompt) => ({ kind: kinds[Number(/Document (\d+) /.exec(prompt)?.[1] ?? 0)] ?? ("none" as never) }) });
    const d = tmp();
    const out = join(d, "o.jsonl");
    const r = await run(["synth", docsCsv(d, 5), ...openai(s), "--no-cache", "-o", out, "--rejects", join(d, "rejects.jsonl")], { env: fast });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/docs\.csv:2: teacher-parse: no question\/answer pair could be read/);
    expect(r.stderr).toMatch(/docs\.csv:3: teacher-short: the reply has 2 usable pairs, 3 were asked for/);
    expect(r.stderr).toMatch(/docs\.csv:4: duplicate-question: the teacher's question repeats another of its questions/);
    // malformed 0 + short 2 + duplicate 2 + prose 3 + fenced 3
    expect(lines(readFileSync(out, "utf8"))).toHaveLength(10);
    const rej = lines(readFileSync(join(d, "rejects.jsonl"), "utf8")) as { reason: string; line: number; raw: string }[];
    expect(rej.map((x) => [x.reason, x.line])).toEqual([
      ["teacher-parse", 2],
      ["teacher-short", 3],
      ["duplicate-question", 4],
    ]);
    expect(rej[0]!.raw).toContain("no JSON at all");
    expect(r.stderr).toMatch(/rejected \d+ \(teacher-parse 3, duplicate-question 1\)/);
  });

  it("bad credentials stop the run at once with one line", async () => {
    const s = await teacher({ faults: () => ({ kind: "401" }) });
    const d = tmp();
    const r = await run(["synth", docsCsv(d, 30), ...openai(s), "--concurrency", "2", "--no-cache", "-o", join(d, "o.jsonl")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^prep-data: openai:qwen2\.5-7b-instruct: .*401.*check the credentials/m);
    expect(s.seen.length).toBeLessThanOrEqual(3);
    expect(existsSync(join(d, "o.jsonl"))).toBe(false);
  });

  it("a run killed half-way and started again sends no request that was already answered; a repeat costs nothing", async () => {
    const s = await teacher({ latencyMs: 40 });
    const d = tmp();
    const csv = docsCsv(d, 40);
    const out = join(d, "train.jsonl");
    const child = spawn(process.execPath, [BIN, "synth", csv, ...openai(s), "--concurrency", "2", "-o", out], { stdio: "ignore" });
    while (s.seen.length < 10) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const first = s.seen.length;
    expect(existsSync(out)).toBe(false);
    const again = await run(["synth", csv, ...openai(s), "--concurrency", "2", "-o", out]);
    expect(again.code, again.stderr).toBe(0);
    const prompts = s.seen.map((x) => x.prompt);
    expect(prompts.length - new Set(prompts).size).toBeLessThanOrEqual(2); // only the requests in flight at the kill are sent again
    expect(new Set(prompts).size).toBe(40);
    expect(again.stderr).toMatch(/cached teacher replies/);
    const before = s.seen.length;
    const repeat = await run(["synth", csv, ...openai(s), "-o", join(d, "again.jsonl"), "--cache", join(d, "train.synth-cache.jsonl")]);
    expect(repeat.code).toBe(0);
    expect(s.seen.length).toBe(before);
    expect(readFileSync(join(d, "again.jsonl"), "utf8")).toBe(readFileSync(out, "utf8"));
    expect(first).toBeGreaterThanOrEqual(10);
  });

  it("--max-requests stops cleanly with counts; --price-in/--price-out give a cost", async () => {
    const s = await teacher();
    const d = tmp();
    const r = await run(["synth", docsCsv(d, 20), ...openai(s), "--concurrency", "1", "--max-requests", "5", "--price-in", "0.003", "--price-out", "0.015", "--no-cache", "-o", join(d, "o.jsonl"), "--report", join(d, "r.json")]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.seen).toHaveLength(5);
    expect(r.stderr).toMatch(/teacher: 5 documents, 5 requests .* cost \$0\.\d{4}, 15 pairs in [\d.]+ s; stopped by --max-requests/);
    const rep = JSON.parse(readFileSync(join(d, "r.json"), "utf8"));
    expect(rep.synth).toMatchObject({ requests: 5, pairs: 15, stoppedBy: "max-requests" });
    expect(rep.synth.cost).toBeGreaterThan(0);
  });
});

describe("prep-data synth: distillation, batch inference, documents", () => {
  it("--format distillation writes single-turn bedrock-conversation-2024 prompts with golden answers, no teacher", async () => {
    const d = tmp();
    const out = join(d, "distill.jsonl");
    const r = await run(["synth", docsCsv(d, 3), "--format", "distillation", "--user", "{document}\\n\\n{question}", "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(readFileSync(out, "utf8")) as { schemaVersion: string; messages: { role: string }[] }[];
    expect(recs).toHaveLength(3);
    expect(recs[0]).toMatchObject({ schemaVersion: "bedrock-conversation-2024", messages: [{ role: "user" }, { role: "assistant", content: [{ text: "It is about rivers." }] }] });
    expect(r.stderr).toMatch(/at least 100 valid prompts/);
    const noGolden = await run(["synth", docsCsv(d, 3), "--format", "distillation", "--no-golden", "-o", join(d, "p.jsonl")]);
    expect((lines(readFileSync(join(d, "p.jsonl"), "utf8")) as { messages: unknown[] }[])[0]!.messages).toHaveLength(1);
    const v = await run(["validate", join(d, "p.jsonl"), "--format", "distillation"]);
    expect(v.code, v.stdout).toBe(0);
  });

  it("--batch-input writes recordId/modelInput lines; --batch-output reads the job's output back, joined on recordId", async () => {
    const s = await teacher();
    const d = tmp();
    const csv = docsCsv(d, 4);
    const batch = join(d, "batch.jsonl");
    const r = await run(["synth", csv, "--teacher", "bedrock:anthropic.claude-3-sonnet-20240229-v1:0", "--batch-input", batch]);
    expect(r.code, r.stderr).toBe(0);
    const input = lines(readFileSync(batch, "utf8")) as { recordId: string; modelInput: { anthropic_version: string; messages: { content: { text: string }[] }[] } }[];
    expect(input.map((x) => x.recordId)).toEqual(["DOC000000001", "DOC000000002", "DOC000000003", "DOC000000004"]);
    expect(input[0]!.modelInput.anthropic_version).toBe("bedrock-2023-05-31");
    // The job's output, out of order, one record failed: as Bedrock writes it.
    const outDir = join(d, "job-output");
    mkdirSync(outDir);
    const outLines = input
      .map((x, i) => (i === 2 ? { recordId: x.recordId, modelInput: x.modelInput, error: { errorCode: 400, errorMessage: "Malformed input request" } } : { recordId: x.recordId, modelInput: x.modelInput, modelOutput: { content: [{ type: "text", text: s.replyText(x.modelInput.messages[0]!.content[0]!.text) }], usage: { input_tokens: 10, output_tokens: 20 } } }))
      .reverse();
    writeFileSync(join(outDir, "batch.jsonl.out"), outLines.map((x) => JSON.stringify(x)).join("\n") + "\n");
    const out = join(d, "train.jsonl");
    const back = await run(["synth", csv, "--batch-output", outDir, "--include-originals", "-o", out]);
    expect(back.code, back.stderr).toBe(1);
    expect(back.stderr).toMatch(/docs\.csv:4: teacher-error: the batch job failed this record: 400 Malformed input request/);
    expect(lines(readFileSync(out, "utf8"))).toHaveLength(4 + 9);
    expect(s.seen).toHaveLength(0);
  });

  it("PDF documents are chunked, each chunk one document with its pages as provenance", async () => {
    const s = await teacher();
    const d = tmp();
    const pdf = join(d, "manual.pdf");
    await writePdf(pdf, [prose(["The pump must be primed before the first start.", "Open the valve and fill the housing with water."]), prose(["Service the filter every month.", "Replace the seal when it leaks."])]);
    const r = await run(["synth", pdf, ...openai(s), "--pairs", "5", "--format", "conversation", "-o", join(d, "o.jsonl"), "--metadata", join(d, "m.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toHaveLength(5);
    expect((lines(readFileSync(join(d, "m.jsonl"), "utf8")) as { pages: number[]; source: string }[])[0]).toMatchObject({ source: pdf, pages: [1, 2] });
    expect(s.seen[0]!.prompt).toContain("The pump must be primed");
  });
});

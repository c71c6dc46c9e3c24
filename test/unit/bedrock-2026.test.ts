import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requestProblems } from "../../src/jobs/requests.js";
import { startBedrockControl, startS3 } from "../helpers/aws-stand-ins.js";
import { lines, ROOT, run, tmp } from "../helpers/run.js";
import { openai, teacher } from "../helpers/teachers.js";

const ROLE = "arn:aws:iam::123456789012:role/BedrockCustomization";
const GRADER = "arn:aws:lambda:us-east-1:123456789012:function:my-grader";
const job = ["job", "create", "--train", "s3://bucket/t.jsonl", "--output", "s3://bucket/o/", "--role-arn", ROLE, "--name", "j1"];

const s3 = (key: string) => ({ s3Location: { uri: `s3://bucket/media/${key}` } });
const text = (t: string) => ({ text: t });
/** A Nova conversation record: user blocks, then the assistant's blocks. */
const conv = (user: unknown[], assistant: unknown[] = [text("An answer.")], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ schemaVersion: "bedrock-conversation-2024", ...extra, messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] });
const plain = (i: number) => conv([text(`Question ${i}?`)]);
const reasoning = (i: number) => conv([text(`Question ${i}?`)], [{ reasoningContent: { reasoningText: { text: `Think about ${i}.` } } }, text(`Answer ${i}.`)]);
const withImage = (i: number, format = "png") => conv([text(`What is in picture ${i}?`), { image: { format, source: s3(`p${i}.${format}`) } }]);
const withVideo = (i: number) => conv([text(`What happens in clip ${i}?`), { video: { format: "mp4", source: s3(`v${i}.mp4`) } }]);
const withDocument = (i: number) => conv([text(`Summarise report ${i}.`), { document: { format: "pdf", source: s3(`r${i}.pdf`) } }]);

function file(d: string, name: string, records: string[]): string {
  const f = join(d, name);
  writeFileSync(f, records.join("\n") + "\n");
  return f;
}

async function validate(args: string[]) {
  const r = await run(["validate", ...args, "--json"]);
  const report = JSON.parse(r.stdout) as { findings: { reason: string; severity: string; message: string; origin: { source: string; line?: number } }[]; ok: boolean };
  return { code: r.code, stderr: r.stderr, report, at: report.findings.map((f) => [f.reason, f.origin.line, f.severity]) };
}

describe("the model table as the guide has it in December 2026", () => {
  it("models lists Nova 2 Lite with the guide's identifier; each model's status; job create sends the identifier with its context suffix", async () => {
    const m = await run(["models"]);
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/^amazon\.nova-2-lite-v1:0:256k\s+nova-2-lite\s+active\s+conversation \(FT\), rft \(RFT\)$/m);
    expect(m.stdout).toMatch(/^anthropic\.claude-3-haiku-20240307-v1:0:200k\s+haiku\s+RETIRED 2026-09-10/m);
    expect(m.stdout).toMatch(/^cohere\.command-text-v14\S*\s+cohere-command\s+RETIRED 2025-09-15/m);
    expect(m.stdout).toMatch(/^amazon\.titan-text-express-v1:0:8k\s+titan-express\s+not in the current table/m);
    const one = await run(["models", "nova-2-lite"]);
    expect(one.stdout).toMatch(/job identifier \(baseModelIdentifier\): amazon\.nova-2-lite-v1:0:256k \[F1\]/);
    expect(one.stdout).toMatch(/train records: ≥ 200 \[R3b\] ≤ 20,000/);
    expect(one.stdout).toMatch(/F1: https:\/\/docs\.aws\.amazon\.com\/bedrock\/latest\/userguide\/custom-model-fine-tuning\.html/);
    for (const [alias, id] of [["nova-2-lite", "amazon.nova-2-lite-v1:0:256k"], ["nova-lite", "amazon.nova-lite-v1:0:300k"], ["nova-micro", "amazon.nova-micro-v1:0:128k"], ["llama3.1-8b", "meta.llama3-1-8b-instruct-v1:0:128k"], ["llama3.2-11b", "meta.llama3-2-11b-instruct-v1:0:128k"]]) {
      const r = await run([...job, "--model", alias]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).baseModelIdentifier, alias).toBe(id);
    }
    // A typo gets the nearest names.
    const typo = await run([...job, "--model", "hiaku"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown model "hiaku"; did you mean haiku \(anthropic\.claude-3-haiku-20240307-v1:0:200k\)\?/);
    expect((await run(["validate", "x.jsonl", "--model", "nova2lite"])).stderr).toMatch(/did you mean .*nova-2-lite \(amazon\.nova-2-lite-v1:0:256k\)\?/);
    expect((await run(["validate", "x.jsonl", "--model", "gpt-9"])).stderr).not.toMatch(/did you mean/);
    // The guide's identifier names the model too.
    expect((await run([...job, "--model", "amazon.nova-2-lite-v1:0:256k"])).code).toBe(0);
  });

  it("a model past its end date: job create and upload refuse with the date and the successor; validate warns and checks the file", async () => {
    const d = tmp();
    const f = file(d, "train.jsonl", [JSON.stringify({ messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello" }] })]);
    const c = await run([...job, "--model", "haiku"]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^prep-data: anthropic\.claude-3-haiku-20240307-v1:0:200k: Anthropic Claude 3 Haiku can no longer be customized on Bedrock \(end of life 2026-09-10\).*use Amazon Nova 2 Lite/m);
    expect(c.stdout).toBe("");
    const up = await run(["upload", f, "s3://bucket/x/", "--model", "haiku"], { env: { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9", AWS_REGION: "us-east-1" } });
    expect(up.code).toBe(2);
    expect(up.stderr).toMatch(/end of life 2026-09-10/);
    const cohere = await run([...job, "--model", "cohere-command"]);
    expect(cohere.code).toBe(2);
    expect(cohere.stderr).toMatch(/2025-09-15/);
    const v = await run(["validate", f, "--model", "haiku"]);
    expect(v.stderr).toMatch(/^WARNING: Anthropic Claude 3 Haiku can no longer be customized on Bedrock \(end of life 2026-09-10\).*\(the file is checked against its last published rules\)$/m);
    expect(v.stdout).toMatch(/record-count: 1 valid training record; the model needs at least 32/);
    // Not in the current table: a warning, and the job is still built.
    const titan = await run([...job, "--model", "titan-express"]);
    expect(titan.code).toBe(0);
    expect(titan.stderr).toMatch(/^WARNING: Amazon Titan Text G1 - Express is no longer listed for new fine-tuning jobs on Bedrock/m);
  });
});

describe("Nova 2 Lite supervised fine-tuning records", () => {
  it("reasoning, images, videos and documents are taken as Nova 2 takes them; the older models refuse what they do not take", async () => {
    const d = tmp();
    const ok = file(d, "ok.jsonl", [...Array.from({ length: 196 }, (_, i) => (i % 2 ? reasoning(i) : plain(i))), withDocument(1), withImage(2), withImage(3, "gif"), withDocument(4)]);
    const v = await validate([ok, "--model", "nova-2-lite"]);
    expect(v.at, v.stderr).toEqual([]);
    expect(v.report.ok).toBe(true);
    // Nova Lite (1.0): no reasoning, no documents; its image formats include webp.
    const lite = await validate([ok, "--model", "nova-lite"]);
    expect(new Set(lite.report.findings.map((f) => f.message.replace(/messages\[\d+\]\.content\[\d+\]/, "…")))).toEqual(
      new Set(["… is reasoningContent; amazon.nova-lite-v1:0 does not take reasoning blocks (Nova 2 Lite does)", "… is a document; amazon.nova-lite-v1:0 does not take document blocks (Nova 2 Lite does)"]),
    );
    const webp = file(d, "webp.jsonl", [...Array.from({ length: 200 }, (_, i) => plain(i)), withImage(9, "webp")]);
    const w = await validate([webp, "--model", "nova-2-lite"]);
    expect(w.at).toEqual([["content", 201, "error"]]);
    expect(w.report.findings[0]!.message).toBe("messages[0].content[1] is a webp image; amazon.nova-2-lite-v1:0 takes png, jpeg, gif");
    expect((await validate([webp, "--model", "nova-lite"])).at).toEqual([]);
    // Where blocks belong, whatever the model.
    const misplaced = file(d, "misplaced.jsonl", [conv([text("Q"), { reasoningContent: { reasoningText: { text: "user thinking" } } }]), conv([text("Q")], [text("A"), { document: { format: "pdf", source: s3("r.pdf") } }]), conv([text("Q"), withDoc("a"), withDoc("b")])]);
    const mis = await validate([misplaced]);
    expect(mis.at).toEqual([["content", 1, "error"], ["content", 2, "error"], ["content", 3, "error"]]);
    expect(mis.report.findings.map((f) => f.message)).toEqual([
      "messages[0]: a user turn must not contain reasoningContent blocks (user turns take text, image, video, document and toolResult)",
      "messages[1]: an assistant turn must not contain documents (assistant turns take text, reasoningContent and toolUse)",
      "2 document blocks; a record takes at most one",
    ]);
  });

  it("a dataset mixing image and video records is refused at the first record of the other kind, with or without worker threads; across the validation file too", async () => {
    const d = tmp();
    const recs = Array.from({ length: 400 }, (_, i) => (i === 150 ? withImage(i) : i === 320 ? withVideo(i) : i === 330 ? withImage(i) : plain(i)));
    const f = file(d, "mixed.jsonl", recs);
    for (const jobs of ["1", "2"]) {
      const v = await validate([f, "--model", "nova-2-lite", "-j", jobs]);
      expect(v.at, `-j ${jobs}`).toEqual([["mixed-media", 321, "error"]]);
      expect(v.report.findings[0]!.message).toBe(`this record holds a video, but the dataset already has images (first at ${f}:151); amazon.nova-2-lite-v1:0 takes a dataset that is text only, text + image or text + video, never both [N2]`);
    }
    // Nova 1 has the same rule; a text-only model refuses the media itself instead.
    expect((await validate([f, "--model", "nova-pro"])).at).toEqual([["mixed-media", 321, "error"]]);
    const images = file(d, "images.jsonl", Array.from({ length: 250 }, (_, i) => (i % 50 ? plain(i) : withImage(i))));
    const videos = file(d, "videos.jsonl", [withVideo(0), plain(1000)]);
    expect((await validate([images, "--model", "nova-2-lite"])).at).toEqual([]);
    const both = await validate([images, "--validation", videos, "--model", "nova-2-lite"]);
    expect(both.at).toEqual([["validation-set", undefined, "warning"], ["mixed-media", 1, "error"]]);
    expect(both.report.findings.find((f) => f.reason === "validation-set")!.message).toBe("Nova 2 SFT takes no validation set: a given one is ignored during training [N2]");
    expect(both.report.findings.find((f) => f.reason === "mixed-media")!.origin.source).toBe(videos);
  });

  it("tool sections: a warning with the guide's reason for Nova 2 Lite, an error for models that take none; tool ids are checked", async () => {
    const d = tmp();
    const toolConfig = { tools: [{ toolSpec: { name: "weather", description: "Weather for a city", inputSchema: { json: { type: "object", properties: { city: { type: "string" } } } } } }] };
    const call = JSON.stringify({
      schemaVersion: "bedrock-conversation-2024",
      toolConfig,
      messages: [
        { role: "user", content: [text("Weather in Paris?")] },
        { role: "assistant", content: [{ toolUse: { toolUseId: "t1", name: "weather", input: { city: "Paris" } } }] },
        { role: "user", content: [{ toolResult: { toolUseId: "t1", content: [{ json: { c: 21 } }] } }] },
        { role: "assistant", content: [text("21 °C.")] },
      ],
    });
    const f = file(d, "tools.jsonl", [call, ...Array.from({ length: 199 }, (_, i) => plain(i))]);
    const nova2 = await validate([f, "--model", "nova-2-lite"]);
    expect(nova2.at).toEqual([["tools", 1, "warning"]]);
    expect(nova2.report.findings[0]!.message).toMatch(/the Bedrock page says tool use is not currently supported by Nova 2 SFT .* \[N2\]$/);
    expect((await validate([f, "--model", "llama3.2-1b"])).at).toEqual([["tools", 1, "error"]]);
    const wrong = file(d, "wrong.jsonl", [call.replace('"toolUseId":"t1","content"', '"toolUseId":"t9","content"').replace('"name":"weather","input"', '"name":"forecast","input"')]);
    const w = await validate([wrong]);
    expect(w.report.findings.map((x) => x.message)).toEqual([
      'messages[1].content[0].toolUse names tool "forecast", which toolConfig does not define',
      'messages[2].content[0].toolResult answers toolUseId "t9", which no earlier toolUse has',
    ]);
  });
});

describe("reinforcement fine-tuning", () => {
  it("csv → rft records with a JSON reference answer and ids; a row whose JSON does not parse is refused and listed; validate for Nova 2 Lite", async () => {
    const d = tmp();
    const rows = Array.from({ length: 120 }, (_, i) => `"What is ${i} + ${i}?","{""answer"": ${2 * i}}",task-${i}`);
    rows[7] = `"What is 7 + 7?","{answer: 14}",task-7`;
    const csv = join(d, "math.csv");
    writeFileSync(csv, "question,gold,task\n" + rows.join("\n") + "\n");
    const out = join(d, "rft.jsonl");
    const r = await run(["csv", csv, "--format", "rft", "--system", "Answer with a number.", "--prompt", "{question}", "--reference", "{gold}", "--reference-json", "--id", "{task}", "-o", out, "--rejects", join(d, "rejects.jsonl"), "--model", "nova-2-lite"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/math\.csv:9: reference-json: the reference answer is not JSON \(--reference-json\)/);
    const recs = lines(readFileSync(out, "utf8"));
    expect(recs).toHaveLength(119);
    expect(recs[0]).toEqual({ id: "task-0", messages: [{ role: "system", content: "Answer with a number." }, { role: "user", content: "What is 0 + 0?" }], reference_answer: { answer: 0 } });
    expect(lines(readFileSync(join(d, "rejects.jsonl"), "utf8"))).toMatchObject([{ line: 9, reason: "reference-json", values: { question: "What is 7 + 7?", gold: "{answer: 14}", task: "task-7" } }]);
    const v = await validate([out, "--model", "nova-2-lite"]);
    expect(v.at, v.stderr).toEqual([]);
    // A completion template is the reference answer as text; neither is a usage error.
    const t = await run(["csv", csv, "--format", "rft", "--prompt", "{question}", "--completion", "{task}", "-n", "1", "-o", "-", "-q"]);
    expect(lines(t.stdout)).toEqual([{ messages: [{ role: "user", content: "What is 0 + 0?" }], reference_answer: "task-0" }]);
    const none = await run(["csv", csv, "--format", "rft", "--prompt", "{question}", "-o", "-"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--format rft needs a reference answer: --reference/);
    expect((await run(["csv", csv, "--prompt", "{question}", "--completion", "{gold}", "--reference", "{gold}", "-o", "-"])).stderr).toMatch(/--reference is for --format rft/);
  });

  it("synth --format rft: the teacher's questions as prompts, its answers as reference answers; originals too", async () => {
    const d = tmp();
    const csv = join(d, "docs.csv");
    writeFileSync(csv, "document,question,answer\n" + Array.from({ length: 40 }, (_, i) => `"Document ${i}: rivers carve valleys over ${i + 2} thousand years.",How long for valley ${i}?,${i + 2} thousand years`).join("\n") + "\n");
    const s = await teacher();
    const out = join(d, "rft.jsonl");
    const r = await run(["synth", csv, ...openai(s), "--format", "rft", "--pairs", "2", "--include-originals", "--no-cache", "--model", "nova-2-lite", "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(readFileSync(out, "utf8")) as { messages: { role: string; content: string }[]; reference_answer: string }[];
    expect(recs).toHaveLength(120);
    expect(recs[0]).toEqual({ messages: [{ role: "user", content: "Document 0: rivers carve valleys over 2 thousand years.\n\nHow long for valley 0?" }], reference_answer: "2 thousand years" });
    expect(recs.every((x) => x.messages.at(-1)!.role === "user" && typeof x.reference_answer === "string" && x.reference_answer.length > 0)).toBe(true);
    expect((await validate([out, "--model", "nova-2-lite"])).at).toEqual([]);
  });

  it("synth --reasoning: the teacher writes a rationale per pair, written as reasoningContent; originals have none; a pair without one is refused", async () => {
    const d = tmp();
    const csv = join(d, "docs.csv");
    writeFileSync(csv, "document,question,answer\n" + Array.from({ length: 4 }, (_, i) => `"Document ${i}: the river rises ${i + 1} metres in spring.",How much does river ${i} rise?,${i + 1} metres`).join("\n") + "\n");
    let asked = "";
    const s = await teacher({
      reply: (prompt: string) => {
        asked = prompt;
        const n = Number(/(\d+) new question/.exec(prompt)?.[1] ?? 2);
        const doc = /Document (\d+)/.exec(prompt)?.[1];
        return Array.from({ length: n }, (_, j) => JSON.stringify({ question: `Q${doc}-${j}?`, ...(doc === "3" && j === 1 ? {} : { reasoning: `The document says so (${doc}-${j}).` }), answer: `A${doc}-${j}.`, topic: `t${j}` })).join("\n");
      },
    });
    const out = join(d, "r.jsonl");
    const r = await run(["synth", csv, ...openai(s), "--format", "conversation", "--reasoning", "--pairs", "2", "--include-originals", "--no-cache", "-o", out]);
    expect(asked).toMatch(/"reasoning" is two or three sentences/);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/teacher-reasoning: the teacher's pair has no reasoning/);
    const recs = lines(readFileSync(out, "utf8")) as { messages: { role: string; content: Record<string, unknown>[] }[] }[];
    expect(recs).toHaveLength(11); // 4 originals + 8 pairs − 1 refused
    expect(recs[0]!.messages[1]!.content).toEqual([{ text: "1 metres" }]);
    expect(recs[1]!.messages[1]!.content).toEqual([{ reasoningContent: { reasoningText: { text: "The document says so (0-0)." } } }, { text: "A0-0." }]);
    expect((await run(["synth", csv, ...openai(s), "--reasoning", "-o", join(d, "x.jsonl")])).stderr).toMatch(/--reasoning writes reasoningContent blocks: --format conversation/);
  });

  it("validate: the last message is the user's, a reference answer is present, at least 100 prompts; extra keys are kept for the grader", async () => {
    const d = tmp();
    const rec = (i: number, extra: Record<string, unknown> = {}) => JSON.stringify({ messages: [{ role: "user", content: `Q${i}` }], reference_answer: `A${i}`, ...extra });
    const f = file(d, "rft.jsonl", [
      ...Array.from({ length: 98 }, (_, i) => rec(i, { difficulty: "easy", task_id: i })),
      JSON.stringify({ messages: [{ role: "user", content: "Q" }, { role: "assistant", content: "A" }], reference_answer: "A" }),
      JSON.stringify({ messages: [{ role: "user", content: "Q" }] }),
      JSON.stringify({ messages: [{ role: "user", content: "Q" }, { role: "system", content: "late" }], reference_answer: { x: 1 } }),
    ]);
    const v = await validate([f, "--model", "nova-2-lite", "--format", "rft"]);
    expect(v.at).toEqual([["role-order", 99, "error"], ["role-order", 99, "error"], ["schema", 100, "error"], ["role-order", 101, "error"], ["role-order", 101, "error"], ["record-count", undefined, "error"]]);
    expect(v.report.findings.map((x) => x.message)).toEqual([
      'the last message must be from "user" (the model writes the answer), found "assistant"',
      "RFT prompts are single-turn: no assistant message (the reference answer goes in reference_answer)",
      "missing key reference_answer — the record looks like the messages format, and the file is rft",
      "a system message may only come first, once",
      'the last message must be from "user" (the model writes the answer), found "system"',
      "98 valid training records (counting valid records only: 3 lines have errors reported above); the model needs at least 100",
    ]);
    // The format is told from the keys; an RFT file for a model without RFT is refused as a whole.
    expect((await validate([f, "--model", "nova-lite"])).report.findings[0]!.message).toMatch(/amazon\.nova-lite-v1:0 does not take rft records; it takes conversation\/rft|does not take rft records/);
  });

  it("job create --type rft: the grader and typed hyperparameters in rftConfig, checked before anything is sent; the stand-in receives the SDK's shape", async () => {
    const dry = await run([...job, "--model", "nova-2-lite", "--type", "rft", "--grader-lambda", GRADER, "--hp", "epochCount=3", "--hp", "batchSize=64", "--hp", "learningRate=0.00001", "--hp", "reasoningEffort=high", "--hp", "maxPromptLength=4096"]);
    expect(dry.code, dry.stderr).toBe(0);
    const req = JSON.parse(dry.stdout);
    expect(req).toEqual({
      jobName: "j1",
      customModelName: "j1",
      roleArn: ROLE,
      baseModelIdentifier: "amazon.nova-2-lite-v1:0:256k",
      customizationType: "REINFORCEMENT_FINE_TUNING",
      trainingDataConfig: { s3Uri: "s3://bucket/t.jsonl" },
      outputDataConfig: { s3Uri: "s3://bucket/o/" },
      customizationConfig: { rftConfig: { graderConfig: { lambdaGrader: { lambdaArn: GRADER } }, hyperParameters: { epochCount: 3, batchSize: 64, learningRate: 0.00001, reasoningEffort: "high", maxPromptLength: 4096 } } },
    });
    expect(requestProblems("bedrock", "CreateModelCustomizationJob", req)).toEqual([]);
    for (const [args, msg] of [
      [["--hp", "batchSize=8"], /batchSize 8 is outside RFT's range 16–512 \[https:\/\/docs\.aws\.amazon\.com\/bedrock\/latest\/APIReference\/API_RFTHyperParameters\.html\]/],
      [["--hp", "reasoningEffort=max"], /reasoningEffort max: expected low, medium, high/],
      [["--hp", "epochCount=2.5"], /epochCount 2\.5: RFT takes a whole number/],
      [["--hp", "learningRateMultiplier=1"], /unknown RFT hyperparameter learningRateMultiplier; reinforcement fine-tuning takes: epochCount, batchSize/],
    ] as const) {
      const r = await run([...job, "--model", "nova-2-lite", "--type", "rft", "--grader-lambda", GRADER, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect((await run([...job, "--model", "nova-2-lite", "--type", "rft"])).stderr).toMatch(/--type rft needs --grader-lambda <arn>/);
    expect((await run([...job, "--model", "nova-2-lite", "--type", "rft", "--grader-lambda", "my-grader"])).stderr).toMatch(/a Lambda function ARN is needed/);
    expect((await run([...job, "--model", "nova-lite", "--type", "rft", "--grader-lambda", GRADER])).stderr).toMatch(/does not offer reinforcement fine-tuning; it offers fine-tuning, continued-pre-training/);
    expect((await run([...job, "--model", "nova-2-lite", "--type", "fine-tuning", "--grader-lambda", GRADER])).stderr).toMatch(/--grader-lambda is for --type rft/);

    const ctl = await startBedrockControl();
    try {
      const sent = await run([...job, "--model", "nova-2-lite", "--type", "rft", "--grader-lambda", GRADER, "--hp", "evalInterval=10", "--submit"], { env: ctl.env });
      expect(sent.code, sent.stderr).toBe(0);
      const body = ctl.requests.find((x) => x.method === "POST")!.body;
      expect(body).toMatchObject({ baseModelIdentifier: "amazon.nova-2-lite-v1:0:256k", customizationType: "REINFORCEMENT_FINE_TUNING", customizationConfig: { rftConfig: { graderConfig: { lambdaGrader: { lambdaArn: GRADER } }, hyperParameters: { evalInterval: 10 } } } });
      expect(body.hyperParameters).toBeUndefined();
      expect(requestProblems("bedrock", "CreateModelCustomizationJob", body)).toEqual([]);
      // A Nova 2 Lite SFT job: the string map, the guide's identifier; a validation set is warned about.
      const sft = await run([...job, "--name", "j2", "--model", "nova-2-lite", "--epochs", "2", "--validation", "s3://bucket/v.jsonl", "--submit"], { env: ctl.env });
      expect(sft.code, sft.stderr).toBe(0);
      expect(sft.stderr).toMatch(/WARNING: Nova 2 SFT takes no validation set/);
      const sftBody = ctl.requests.filter((x) => x.method === "POST")[1]!.body;
      expect(sftBody).toMatchObject({ baseModelIdentifier: "amazon.nova-2-lite-v1:0:256k", customizationType: "FINE_TUNING", hyperParameters: { epochCount: "2" } });
      expect(requestProblems("bedrock", "CreateModelCustomizationJob", sftBody)).toEqual([]);
    } finally {
      await ctl.close();
    }
  });
});

function withDoc(name: string) {
  return { document: { format: "pdf", source: s3(`${name}.pdf`) } };
}

describe("preference (DPO) pairs", () => {
  it("convert --to preference reads TRL and OpenAI pairs into Nova's candidates; a pair is never flattened into a chat record; validate checks the candidates", async () => {
    const d = tmp();
    const src = file(d, "pairs.jsonl", [
      JSON.stringify({ prompt: "Capital of France?", chosen: "Paris.", rejected: "Lyon." }),
      JSON.stringify({ prompt: [{ role: "system", content: "Be brief." }, { role: "user", content: "2+2?" }], chosen: [{ role: "assistant", content: "4" }], rejected: [{ role: "assistant", content: "5" }] }),
      JSON.stringify({ chosen: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }], rejected: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Go away." }] }),
      JSON.stringify({ input: { messages: [{ role: "user", content: "Name a colour" }] }, preferred_output: [{ role: "assistant", content: "Blue" }], non_preferred_output: [{ role: "assistant", content: "Seven" }] }),
      JSON.stringify({ prompt: "x", chosen: "", rejected: "y" }),
      JSON.stringify({ prompt: "x", chosen: [{ role: "assistant", content: "a" }, { role: "assistant", content: "b" }], rejected: "y" }),
      JSON.stringify({ messages: [{ role: "user", content: "plain" }, { role: "assistant", content: "chat" }] }),
    ]);
    const out = join(d, "pref.jsonl");
    const r = await run(["convert", src, "--to", "preference", "-o", out, "--rejects", join(d, "rej.jsonl")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/read 7, written 4, rejected 3/);
    const recs = lines(readFileSync(out, "utf8"));
    expect(recs[1]).toEqual({ schemaVersion: "bedrock-conversation-2024", system: [{ text: "Be brief." }], messages: [{ role: "user", content: [{ text: "2+2?" }] }, { role: "assistant", candidates: [{ content: [{ text: "4" }], preferenceLabel: "preferred" }, { content: [{ text: "5" }], preferenceLabel: "non-preferred" }] }] });
    expect((recs[2] as { messages: unknown[] }).messages[0]).toEqual({ role: "user", content: [{ text: "Hi" }] });
    expect(lines(readFileSync(join(d, "rej.jsonl"), "utf8")).map((x) => [(x as { line: number }).line, (x as { reason: string }).reason])).toEqual([[5, "empty"], [6, "preference"], [7, "format"]]);
    expect((await validate([out])).at).toEqual([]);
    const flat = await run(["convert", src, "--to", "messages", "-o", "-"]);
    expect(flat.stderr).toMatch(/pairs\.jsonl:1: format: a preference pair \(chosen\/rejected\) keeps both answers only --to preference/);
    expect(lines(flat.stdout)).toHaveLength(1);
    const bad = file(d, "bad.jsonl", [
      JSON.stringify({ messages: [{ role: "user", content: [text("Q")] }, { role: "assistant", candidates: [{ content: [text("a")], preferenceLabel: "preferred" }, { content: [text("b")], preferenceLabel: "preferred" }] }] }),
      JSON.stringify({ messages: [{ role: "user", content: [text("Q"), { video: { format: "mp4", source: s3("v.mp4") } }] }, { role: "assistant", candidates: [{ content: [text("a")], preferenceLabel: "preferred" }, { content: [text("b")], preferenceLabel: "non-preferred" }] }] }),
      JSON.stringify({ messages: [{ role: "user", content: [text("Q")] }, { role: "assistant", candidates: [{ content: [{ image: { format: "png", source: s3("i.png") } }], preferenceLabel: "preferred" }, { content: [text("b")], preferenceLabel: "non-preferred" }] }] }),
    ]);
    const v = await validate([bad, "--format", "preference"]);
    expect(v.report.findings.map((f) => [f.origin.line, f.reason, f.message.slice(0, 60)])).toEqual([
      [1, "preference", "every candidate is preferred: one preferred and one non-pref"],
      [2, "content", "a preference (DPO) record cannot hold a video"],
      [3, "schema", expect.stringMatching(/^messages\[1\]/)],
    ]);
  });
});

describe("distillation from invocation logs", () => {
  it("job create --type distillation --invocation-logs builds invocationLogsConfig with its filters as the API gives them; the stand-in receives it", async () => {
    const base = ["job", "create", "--output", "s3://bucket/o/", "--role-arn", ROLE, "--name", "d1", "--model", "nova-lite", "--type", "distillation", "--teacher", "amazon.nova-pro-v1:0"];
    const one = await run([...base, "--invocation-logs", "s3://logs/bedrock/", "--use-prompt-response", "--metadata-filter", "project=support"]);
    expect(one.code, one.stderr).toBe(0);
    const req = JSON.parse(one.stdout);
    expect(req.trainingDataConfig).toEqual({ invocationLogsConfig: { invocationLogSource: { s3Uri: "s3://logs/bedrock/" }, usePromptResponse: true, requestMetadataFilters: { equals: { project: "support" } } } });
    expect(requestProblems("bedrock", "CreateModelCustomizationJob", req)).toEqual([]);
    const all = JSON.parse((await run([...base, "--invocation-logs", "s3://logs/bedrock/", "--metadata-filter", "project=support", "--metadata-filter", "stage!=test"])).stdout);
    expect(all.trainingDataConfig.invocationLogsConfig.requestMetadataFilters).toEqual({ andAll: [{ equals: { project: "support" } }, { notEquals: { stage: "test" } }] });
    const any = JSON.parse((await run([...base, "--invocation-logs", "s3://logs/bedrock/", "--metadata-filter", "a=1", "--metadata-filter", "b=2", "--metadata-match", "any"])).stdout);
    expect(any.trainingDataConfig.invocationLogsConfig.requestMetadataFilters).toEqual({ orAll: [{ equals: { a: "1" } }, { equals: { b: "2" } }] });
    for (const [args, msg] of [
      [["--invocation-logs", "s3://logs/x/", "--train", "s3://bucket/t.jsonl"], /give --train \(a file\) or --invocation-logs, not both/],
      [["--invocation-logs", "logs/"], /--invocation-logs logs\/: the S3 prefix where Bedrock writes model invocation logs/],
      [["--invocation-logs", "s3://logs/x/", "--metadata-filter", "=x"], /--metadata-filter =x: expected key=value or key!=value/],
      [["--train", "s3://bucket/t.jsonl", "--use-prompt-response"], /--use-prompt-response and --metadata-filter go with --invocation-logs/],
      [[], /give --train s3:\/\/… or --manifest FILE \(distillation and rft: or --invocation-logs/],
    ] as const) {
      const r = await run([...base, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    const ft = await run(["job", "create", "--output", "s3://bucket/o/", "--role-arn", ROLE, "--name", "d2", "--model", "nova-lite", "--invocation-logs", "s3://logs/x/"]);
    expect(ft.stderr).toMatch(/--invocation-logs is for --type distillation or rft, not fine-tuning/);
    const ctl = await startBedrockControl();
    try {
      const sent = await run([...base, "--invocation-logs", "s3://logs/bedrock/", "--metadata-filter", "project=support", "--submit"], { env: ctl.env });
      expect(sent.code, sent.stderr).toBe(0);
      const body = ctl.requests.find((x) => x.method === "POST")!.body;
      expect(body).toMatchObject({ customizationType: "DISTILLATION", trainingDataConfig: { invocationLogsConfig: { invocationLogSource: { s3Uri: "s3://logs/bedrock/" } } } });
      expect(requestProblems("bedrock", "CreateModelCustomizationJob", body)).toEqual([]);
    } finally {
      await ctl.close();
    }
  });
});

describe("Nova 2 records built from data, media uploaded and checked in S3", () => {
  it("csv → conversation with --reasoning and --image: local files uploaded once under --media-prefix (content-addressed), a second run uploads nothing; validate --check-media asks S3 for each object", async () => {
    const d = tmp();
    const s3srv = await startS3({ directory: tmp(), buckets: ["bucket", "other"] });
    try {
      mkdirSync(join(d, "img"));
      writeFileSync(join(d, "img", "cat.png"), Buffer.from("\x89PNG fake cat"));
      writeFileSync(join(d, "img", "dog.JPG"), Buffer.from("fake dog"));
      writeFileSync(join(d, "img", "big.png"), Buffer.alloc(11 * 1024 * 1024, 1));
      const rows = ["q,a,why,img", "What animal?,A cat.,Whiskers and ears.,img/cat.png", "And this one?,A dog.,It barks.,img/dog.JPG", "Same cat?,Yes.,Same picture.,img/cat.png", "No picture?,Right.,Nothing to see.,", "Missing?,No.,Gone.,img/none.png", "Too big?,Yes.,Huge.,img/big.png"];
      const csv = join(d, "rows.csv");
      writeFileSync(csv, rows.join("\n") + "\n");
      const out = join(d, "train.jsonl");
      const args = ["csv", csv, "--format", "conversation", "--prompt", "{q}", "--completion", "{a}", "--reasoning", "{why}", "--image", "{img}", "--media-prefix", "s3://bucket/media/", "--model", "nova-2-lite", "-o", out];
      const r = await run(args, { env: s3srv.env });
      expect(r.stderr).toMatch(/rows\.csv:6: media: image img\/none\.png: no such file/);
      expect(r.stderr).toMatch(/rows\.csv:7: media-size: image img\/big\.png is 11\.0 MiB; a image may be at most 10 MiB/);
      expect((r.stderr.match(/bytes uploaded, sha256 verified/g) ?? []).length).toBe(2);
      const recs = lines(readFileSync(out, "utf8")) as { messages: { role: string; content: Record<string, unknown>[] }[] }[];
      expect(recs).toHaveLength(4);
      const cat = recs[0]!.messages;
      expect(cat[0]!.content).toEqual([{ text: "What animal?" }, { image: { format: "png", source: { s3Location: { uri: expect.stringMatching(/^s3:\/\/bucket\/media\/[0-9a-f]{64}\.png$/) } } } }]);
      expect(cat[1]!.content).toEqual([{ reasoningContent: { reasoningText: { text: "Whiskers and ears." } } }, { text: "A cat." }]);
      expect((recs[1]!.messages[0]!.content[1] as { image: { format: string } }).image.format).toBe("jpeg");
      expect(recs[2]!.messages[0]!.content[1]).toEqual(cat[0]!.content[1]); // the same file, the same object
      expect(recs[3]!.messages[0]!.content).toEqual([{ text: "No picture?" }]);
      const again = await run(args, { env: s3srv.env });
      expect(again.stderr).not.toMatch(/bytes uploaded/);
      expect((again.stderr.match(/identical object already there/g) ?? []).length).toBe(2);
      expect(readFileSync(out, "utf8")).toBe(lines(readFileSync(out, "utf8")).map((x) => JSON.stringify(x)).join("\n") + "\n");
      // Without a prefix, a local file is a finding; media options are for the conversation format.
      const noPrefix = await run(["csv", csv, "--format", "conversation", "--prompt", "{q}", "--completion", "{a}", "--image", "{img}", "-n", "1", "-o", "-"]);
      expect(noPrefix.stderr).toMatch(/image img\/cat\.png: a local file; give --media-prefix/);
      expect((await run(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "--image", "{img}", "-o", "-"])).stderr).toMatch(/--image is for --format conversation/);

      // --check-media: every object the records name, asked for once.
      const ok = await run(["validate", out, "--check-media", "--json"], { env: s3srv.env });
      expect(JSON.parse(ok.stdout).findings.filter((f: { reason: string }) => f.reason.startsWith("media"))).toEqual([]);
      const broken = join(d, "broken.jsonl");
      const uri = (recs[0]!.messages[0]!.content[1] as { image: { source: { s3Location: { uri: string } } } }).image.source.s3Location.uri;
      const rec = (u: string, i: number) => conv([text(`Q${i}`), { image: { format: "png", source: { s3Location: { uri: u } } } }]);
      writeFileSync(broken, [rec(uri, 0), rec("s3://bucket/media/nope.png", 1), rec("s3://nobucket/x.png", 2), rec(uri, 3)].join("\n") + "\n");
      const v = await run(["validate", broken, "--check-media", "--json"], { env: s3srv.env });
      const media = JSON.parse(v.stdout).findings.filter((f: { reason: string }) => f.reason.startsWith("media"));
      expect(media.map((f: { reason: string; origin: { line?: number }; severity: string }) => [f.reason, f.origin.line, f.severity])).toEqual([["media-missing", 2, "error"], ["media-missing", 3, "error"], ["media-bucket", undefined, "warning"]]);
      expect(v.code).toBe(1);
      // A dataset in S3: its media must be in its bucket.
      const inOther = await run([...args.slice(0, -1), "s3://other/data/train.jsonl", "-q"], { env: s3srv.env });
      expect(inOther.code, inOther.stderr).toBe(1); // the two rows refused above
      const vo = await run(["validate", "s3://other/data/train.jsonl", "--check-media", "--json"], { env: s3srv.env });
      expect(JSON.parse(vo.stdout).findings.filter((f: { reason: string }) => f.reason === "media-bucket").map((f: { origin: { line: number } }) => f.origin.line)).toEqual([1, 2]);
    } finally {
      await s3srv.close();
    }
  });
});

describe("from a table to a running RFT job, against the stand-ins", () => {
  it("a Hub dataset → rft records → upload (validated for Nova 2 Lite) → job create --type rft --manifest --submit", async () => {
    const d = tmp();
    const s3srv = await startS3({ directory: tmp(), buckets: ["bucket"] });
    const ctl = await startBedrockControl();
    try {
      const env = { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(ROOT, "fixtures/hf-cache"), ...ctl.env, ...s3srv.env };
      const out = join(d, "rft.jsonl");
      const h = await run(["hf", "knkarthick/dialogsum", "--format", "rft", "--system", "Summarise the dialogue in one sentence.", "--prompt", "{dialogue}", "--reference", "{summary}", "--id", "{id}", "--model", "nova-2-lite", "-o", out], { env });
      const recs = lines(readFileSync(out, "utf8")) as { id: string; messages: unknown[]; reference_answer: string }[];
      expect(recs.length, h.stderr).toBeGreaterThan(0);
      expect(recs[0]).toMatchObject({ id: expect.any(String), messages: [{ role: "system" }, { role: "user" }], reference_answer: expect.any(String) });
      // The fixture holds a few rows, under RFT's minimum of 100: upload refuses, naming it; with 100 it goes.
      const few = await run(["upload", out, "s3://bucket/rft/", "--model", "nova-2-lite"], { env });
      expect(few.code).toBe(1);
      expect(few.stderr + few.stdout).toMatch(/the model needs at least 100/);
      const many = join(d, "train.jsonl");
      writeFileSync(many, Array.from({ length: 100 }, (_, i) => JSON.stringify({ ...recs[i % recs.length], id: `r${i}` })).join("\n") + "\n");
      const up = await run(["upload", many, "s3://bucket/rft/", "--model", "nova-2-lite"], { env });
      expect(up.code, up.stderr).toBe(0);
      const c = await run(["job", "create", "--type", "rft", "--model", "nova-2-lite", "--manifest", join(d, "train.manifest.json"), "--output", "s3://bucket/out/", "--role-arn", ROLE, "--name", "rft-1", "--grader-lambda", GRADER, "--hp", "epochCount=2", "--submit"], { env });
      expect(c.code, c.stderr).toBe(0);
      const body = ctl.requests.find((x) => x.method === "POST")!.body;
      expect(body).toMatchObject({ baseModelIdentifier: "amazon.nova-2-lite-v1:0:256k", customizationType: "REINFORCEMENT_FINE_TUNING", trainingDataConfig: { s3Uri: "s3://bucket/rft/train.jsonl" }, customizationConfig: { rftConfig: { graderConfig: { lambdaGrader: { lambdaArn: GRADER } }, hyperParameters: { epochCount: 2 } } } });
      expect(requestProblems("bedrock", "CreateModelCustomizationJob", body)).toEqual([]);
      const w = await run(["job", "wait", "rft-1", "--interval", "0.05"], { env });
      expect(w.code, w.stderr).toBe(0);
    } finally {
      await ctl.close();
      await s3srv.close();
    }
  });
});

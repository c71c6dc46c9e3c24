import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorpusBleu, exactMatch, rougeScores, sentenceBleu, tokenF1, tokenize13a, wilson } from "../../src/eval/metrics.js";
import { combine, parsePreference } from "../../src/eval/pairwise.js";
import { teacher } from "../helpers/teachers.js";
import { lines, run, tmp } from "../helpers/run.js";

describe("reference metrics, as their reference implementations define them", () => {
  it("BLEU is sacreBLEU's corpus BLEU: its README example scores 48.53 (82.4/50.0/45.5/37.5, BP 0.943, 17/18)", () => {
    const refs = [
      ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
      ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
    ];
    const sys = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];
    const c = new CorpusBleu();
    sys.forEach((h, i) => c.add(h, [refs[0]![i]!, refs[1]![i]!]));
    const s = c.score();
    expect(s.bleu.toFixed(2)).toBe("48.53");
    expect(s.precisions.map((p) => p.toFixed(1))).toEqual(["82.4", "50.0", "45.5", "37.5"]);
    expect(s.bp.toFixed(3)).toBe("0.943");
    expect([s.sysLen, s.refLen]).toEqual([17, 18]);
    // Hugging Face evaluate's sacrebleu card: identical text scores 100.
    expect(sentenceBleu("hello there general kenobi", "hello there general kenobi")).toBeCloseTo(100, 9);
    expect(tokenize13a("It wasn't 3.5-4 km, (roughly).")).toBe("It wasn't 3.5 - 4 km , ( roughly ) .");
  });

  it("ROUGE is rouge-score's (no stemmer): the quick brown fox example by hand, the evaluate card's examples", () => {
    // target "The quick brown fox jumps over the lazy dog" (9 tokens), prediction "The quick brown dog jumps on the
    // log." (8): 6 unigrams shared, 2 bigrams, an LCS of 5 (the quick brown jumps the).
    const r = rougeScores("The quick brown dog jumps on the log.", "The quick brown fox jumps over the lazy dog");
    const f = (p: number, q: number) => (2 * p * q) / (p + q);
    expect(r.rouge1).toBeCloseTo(f(6 / 8, 6 / 9), 12);
    expect(r.rouge2).toBeCloseTo(f(2 / 7, 2 / 8), 12);
    expect(r.rougeL).toBeCloseTo(f(5 / 8, 5 / 9), 12);
    expect(rougeScores("hello there", "hello there")).toEqual({ rouge1: 1, rouge2: 1, rougeL: 1 });
    // evaluate's card: ["hello goodbye", "ankh morpork"] against ["goodbye", "general kenobi"] average 0.333 / 0 / 0.333.
    const a = rougeScores("hello goodbye", "goodbye");
    const b = rougeScores("ankh morpork", "general kenobi");
    expect(((a.rouge1 + b.rouge1) / 2).toFixed(4)).toBe("0.3333");
    expect((a.rouge2 + b.rouge2) / 2).toBe(0);
    // rouge-score's tokenizer keeps a–z and 0–9 only: text without them scores 0 (as in Python).
    expect(rougeScores("今日は", "今日は").rouge1).toBe(0);
  });

  it("exact match and F1 are SQuAD v1.1's (case, punctuation and articles ignored); Wilson intervals as published", () => {
    expect(exactMatch("The Denver Broncos!", "Denver Broncos")).toBe(1);
    expect(tokenF1("Broncos won", "the Denver Broncos")).toBe(0.5);
    expect(tokenF1("nothing alike", "Denver Broncos")).toBe(0);
    const [lo, hi] = wilson(8, 10);
    expect([lo.toFixed(4), hi.toFixed(4)]).toEqual(["0.4902", "0.9433"]);
    expect(wilson(0, 0)).toEqual([0, 1]);
  });

  it("pairwise verdicts: one kind of [[A]]/[[B]]/[[C]]; both orders must agree for a win", () => {
    expect(parsePreference("A is better. [[A]]")).toBe("A");
    expect(parsePreference("[[C]]")).toBe("tie");
    expect(parsePreference("[[A]] or maybe [[B]]")).toMatchObject({ error: expect.stringContaining("[[A]] and [[B]]") });
    expect(parsePreference("A is better")).toMatchObject({ error: expect.stringContaining("no verdict") });
    expect(combine("A", "B")).toBe("x"); // x first: A; y first: B (x again)
    expect(combine("B", "A")).toBe("y");
    expect(combine("A", "A")).toBe("inconsistent"); // always the first shown: position bias
    expect(combine("A", "tie")).toBe("tie");
  });
});

/** An evaluation file: each prompt's last paragraph starts with its reference summary. */
function evalFile(dir: string, n: number): string {
  const p = join(dir, "eval.jsonl");
  const topics = ["rivers", "tides", "glaciers", "comets", "deserts", "wetlands"];
  const recs = Array.from({ length: n }, (_, i) => {
    const t = topics[i % topics.length]!;
    const summary = `Person one explains how ${t} change over years ${i}.`;
    return { prompt: `Summarize the conversation.\n\n${summary} Then they talk about the weather and ${t} again.`, referenceResponse: summary, category: i % 2 ? "odd" : "even" };
  });
  writeFileSync(p, recs.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return p;
}

const fast = { PREP_DATA_TEACHER_BACKOFF_MS: "10" };
type Result = { line: number; responses: Record<string, string | null>; errors?: Record<string, string>; metrics?: Record<string, { exact_match: number; rougeL: number }>; judge?: Record<string, { verdicts: string[]; winner: string } | { error: string }> };

describe("prep-data eval: models run on every prompt, scored against references and judged pairwise", () => {
  it("base vs tuned: ROUGE against the references, a judge in both orders, win rates with 95 % intervals; a re-run asks nothing", async () => {
    const s = await teacher();
    const d = tmp();
    const file = evalFile(d, 6);
    const out = join(d, "results.jsonl");
    const args = ["eval", file, "--model", "base=openai:student-base", "--model", "tuned=openai:student-tuned", "--judge", "openai:judge", "--base-url", `${s.url}/v1`, "-o", out, "--report", join(d, "r.json")];
    const r = await run(args, { env: fast });
    expect(r.code, r.stderr).toBe(0);
    const res = lines(readFileSync(out, "utf8")) as Result[];
    expect(res).toHaveLength(6);
    expect(res[0]!.responses.tuned).toBe("Person one explains how rivers change over years 0.");
    expect(res[0]!.metrics!.tuned).toMatchObject({ exact_match: 1, rougeL: 1 });
    expect(res[0]!.metrics!.base!.rougeL).toBeLessThan(0.3);
    expect(res[0]!.judge!["base vs tuned"]).toEqual({ verdicts: ["B", "A"], winner: "tuned" });
    // The judge saw each pair twice, the answers swapped, with the reference.
    const judged = s.seen.filter((x) => x.model === "judge");
    expect(judged).toHaveLength(12);
    const first = judged.filter((x) => x.prompt.includes("years 0."));
    expect(first.map((x) => /\[The Start of Assistant A's Answer\]\n(.*)\n/.exec(x.prompt)![1]!.startsWith("I am not sure"))).toEqual(expect.arrayContaining([true, false]));
    expect(first[0]!.prompt).toContain("[The Start of Reference Answer]");
    expect(s.seen.filter((x) => x.model === "student-tuned").every((x) => (x.body as { temperature?: number }).temperature === 0)).toBe(true);
    expect(r.stderr).toMatch(/tuned\s+6\s+0\s+6\s+1\.000\s+1\.000\s+1\.000\s+1\.000\s+1\.000\s+100\.00/);
    expect(r.stderr).toMatch(/base vs tuned: base wins 0, tuned wins 6, ties 0, inconsistent 0 → base win rate 0\.0 % \(95 % CI 0\.0–39\.0 %, 6 decided, ties excluded\)/);
    const rep = JSON.parse(readFileSync(join(d, "r.json"), "utf8"));
    expect(rep.eval.pairs["base vs tuned"]).toMatchObject({ wins: { base: 0, tuned: 6 }, winRate: { model: "base", rate: 0, decided: 6 } });
    expect(rep.eval.models.tuned.metrics.rougeL).toBe(1);
    const before = s.seen.length;
    const again = await run(args, { env: fast });
    expect(again.code, again.stderr).toBe(0);
    expect(s.seen.length).toBe(before);
    expect(readFileSync(out, "utf8")).toBe(lines(readFileSync(out, "utf8")).map((x) => JSON.stringify(x)).join("\n") + "\n");
  });

  it("a judge that always prefers the first answer is caught: every prompt inconsistent, no win rate; ties counted apart", async () => {
    const s = await teacher({ reply: (p: string) => (p.includes("[The Start of Assistant A's Answer]") ? (p.includes("years 1.") ? "Equal. [[C]]" : "The first is better. [[A]]") : undefined) });
    const d = tmp();
    const r = await run(["eval", evalFile(d, 3), "--model", "openai:student-base", "--model", "openai:student-tuned", "--judge", "openai:judge", "--base-url", `${s.url}/v1`, "--no-cache", "-o", join(d, "o.jsonl")], { env: fast });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/A vs B: A wins 0, B wins 0, ties 1, inconsistent 2\n/);
    const res = lines(readFileSync(join(d, "o.jsonl"), "utf8")) as Result[];
    expect(res[0]!.judge!["A vs B"]).toEqual({ verdicts: ["A", "A"], winner: "inconsistent" });
  });

  it("a model that fails on a prompt: that prompt keeps the other model's reply and says why (exit 1); multi-turn records send their history; lines that are not prompts are refused", async () => {
    const s = await teacher({ faults: (_n, p) => (p.includes("years 2.") ? { kind: "400" } : undefined) });
    const d = tmp();
    const file = evalFile(d, 3);
    writeFileSync(file, readFileSync(file, "utf8") + JSON.stringify({ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi." }, { role: "assistant", content: "Hello." }, { role: "user", content: "Say more.\n\nMore words here." }] }) + "\n" + JSON.stringify({ text: "plain text" }) + "\n");
    const r = await run(["eval", file, "--model", "a=openai:student-tuned", "--base-url", `${s.url}/v1`, "--no-cache", "--rejects", join(d, "rej.jsonl"), "-o", join(d, "o.jsonl")], { env: fast });
    expect(r.code, r.stderr).toBe(1);
    const res = lines(readFileSync(join(d, "o.jsonl"), "utf8")) as Result[];
    expect(res).toHaveLength(4);
    expect(res[2]!.responses.a).toBeNull();
    expect(res[2]!.errors!.a).toMatch(/Input is too long/);
    expect(res[3]!.responses.a).toBe("More words here.");
    const multi = s.seen.find((x) => x.prompt.includes("More words here"))!;
    expect((multi.body as { messages: { role: string }[] }).messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect((lines(readFileSync(join(d, "rej.jsonl"), "utf8"))[0] as { reason: string; line: number })).toMatchObject({ reason: "no-prompt", line: 5 });
    expect(r.stderr).toMatch(/a\s+4\s+1\s+2\s+1\.000/);
  });

  it("--bedrock-job writes one CreateEvaluationJob request per model, checked against the API's input shape; the dataset must be Bedrock's evaluation format", async () => {
    const d = tmp();
    const file = evalFile(d, 3);
    const common = ["--model", "base=bedrock:amazon.nova-lite-v1:0", "--model", "tuned=bedrock:arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123def456", "--judge", "bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0", "--dataset-s3", "s3://my-bucket/eval/eval.jsonl", "--output-s3", "s3://my-bucket/eval-out/", "--bedrock-job-name", "dialogsum-eval"];
    const r = await run(["eval", file, ...common, "--role-arn", "arn:aws:iam::123456789012:role/BedrockEval", "--bedrock-job", join(d, "jobs.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    const jobs = lines(readFileSync(join(d, "jobs.jsonl"), "utf8")) as { jobName: string; inferenceConfig: { models: { bedrockModel: { modelIdentifier: string } }[] }; evaluationConfig: { automated: { datasetMetricConfigs: { metricNames: string[]; dataset: { datasetLocation: { s3Uri: string } } }[]; evaluatorModelConfig: unknown } } }[];
    expect(jobs.map((j) => j.jobName)).toEqual(["dialogsum-eval-base", "dialogsum-eval-tuned"]);
    expect(jobs[1]!.inferenceConfig.models[0]!.bedrockModel.modelIdentifier).toMatch(/provisioned-model/);
    expect(jobs[0]!.evaluationConfig.automated.datasetMetricConfigs[0]!.metricNames).toContain("Builtin.Correctness");
    expect(jobs[0]!.evaluationConfig.automated.evaluatorModelConfig).toEqual({ bedrockEvaluatorModels: [{ modelIdentifier: "anthropic.claude-3-5-sonnet-20240620-v1:0" }] });
    expect((jobs[0] as unknown as { evaluationConfig: { automated: { datasetMetricConfigs: { taskType: string }[] } } }).evaluationConfig.automated.datasetMetricConfigs[0]!.taskType).toBe("Generation");
    const task = await run(["eval", file, ...common, "--role-arn", "arn:aws:iam::123456789012:role/BedrockEval", "--bedrock-task-type", "General", "--bedrock-job", join(d, "t.jsonl")]);
    expect(task.code).toBe(2);
    expect(task.stderr).toMatch(/--bedrock-task-type \(.*taskType\) "General" is not one of Summarization, Classification, QuestionAndAnswer, Generation, Custom/);
    // The API's pattern takes a custom model through its provisioned throughput, not an on-demand deployment ARN.
    const deployment = await run(["eval", file, ...common.map((x) => x.replace("provisioned-model/", "custom-model-deployment/")), "--role-arn", "arn:aws:iam::123456789012:role/BedrockEval", "--bedrock-job", join(d, "dep.jsonl")]);
    expect(deployment.code).toBe(2);
    expect(deployment.stderr).toMatch(/--model \(inferenceConfig\.models\[0\]\.bedrockModel\.modelIdentifier\) "arn:.*custom-model-deployment\/abc123def456" does not match the service's pattern/);
    const bad = await run(["eval", file, ...common, "--role-arn", "not-an-arn", "--bedrock-job", join(d, "bad.jsonl")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/CreateEvaluationJob: --role-arn \(roleArn\) /);
    writeFileSync(join(d, "chat.jsonl"), JSON.stringify({ messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }] }) + "\n");
    const notEval = await run(["eval", join(d, "chat.jsonl"), ...common, "--role-arn", "arn:aws:iam::123456789012:role/BedrockEval", "--bedrock-job", join(d, "x.jsonl")]);
    expect(notEval.code).toBe(3);
    expect(notEval.stderr).toMatch(/chat\.jsonl:1: not an evaluation record .*: prompt: .*convert --to evaluation/);
    const conv = await run(["convert", join(d, "chat.jsonl"), "--to", "evaluation", "-o", join(d, "ev.jsonl")]);
    expect(conv.code, conv.stderr).toBe(0);
    expect(readFileSync(join(d, "ev.jsonl"), "utf8")).toBe('{"prompt":"hi","referenceResponse":"hello"}\n');
    const ok = await run(["eval", join(d, "ev.jsonl"), ...common, "--role-arn", "arn:aws:iam::123456789012:role/BedrockEval", "--bedrock-job", join(d, "x.jsonl")]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});

import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines, ROOT, run, tmp } from "../helpers/run.js";
import { teacher } from "../helpers/teachers.js";

/** 20 RFT math prompts, the reference answer an object holding the number. */
function records(d: string): string {
  const f = join(d, "rft.jsonl");
  writeFileSync(f, Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `q${i}`, messages: [{ role: "system", content: "Answer with a number." }, { role: "user", content: `What is ${i} + ${i + 1}?` }], reference_answer: { answer: 2 * i + 1 }, difficulty: i < 10 ? "easy" : "hard" })).join("\n") + "\n");
  return f;
}

/** Answers: 12 right (some with words around the number), 6 wrong, 2 with no number at all. */
function replies(d: string): string {
  const f = join(d, "replies.jsonl");
  writeFileSync(f, Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `q${i}`, response: i < 12 ? (i % 2 ? `The sum is ${2 * i + 1}.` : String(2 * i + 1)) : i < 18 ? `${2 * i + 2}` : "I cannot say." })).join("\n") + "\n");
  return f;
}

describe("grader init and grader test", () => {
  it("the numeric template scores right, wrong and number-less answers as documented; every return is checked; -o lists each sample", async () => {
    const d = tmp();
    const g = join(d, "grader");
    const init = await run(["grader", "init", "--kind", "numeric", "-o", g]);
    expect(init.code, init.stderr).toBe(0);
    expect(readFileSync(join(g, "index.mjs"), "utf8")).toMatch(/export const handler = async \(event\)/);
    expect(JSON.parse(readFileSync(join(g, "package.json"), "utf8"))).toMatchObject({ type: "module" });
    const again = await run(["grader", "init", "--kind", "exact", "-o", g]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/index\.mjs exists: give another -o folder, or --force/);

    const out = join(d, "scores.jsonl");
    const t = await run(["grader", "test", g, "--records", records(d), "--responses", replies(d), "-o", out]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^20 samples in 3 calls: 20 scored, 0 malformed/m);
    expect(t.stdout).toMatch(/aggregate_reward_score: mean 0\.600, min 0, p10 0, median 1, p90 1, max 1/);
    expect(t.stdout).toMatch(/Metric has_number: mean 0\.900 over 20/);
    const scores = lines(readFileSync(out, "utf8")) as { id: string; score: number; recordLine: number; responseLine: number }[];
    expect(scores.map((s) => s.score)).toEqual([...Array(12).fill(1), ...Array(8).fill(0)]);
    expect(scores[3]).toMatchObject({ id: "q3", recordLine: 4, responseLine: 4 });

    // Without --responses, the reference answers are graded: each should get the top score.
    const ref = await run(["grader", "test", g, "--records", join(d, "rft.jsonl"), "--json"]);
    expect(JSON.parse(ref.stdout)).toMatchObject({ samples: 20, scored: 20, malformed: 0, referenceAsAnswer: true, scores: { min: 1, max: 1 } });
  });

  it("exact and json-fields templates; the two documented payload shapes", async () => {
    const d = tmp();
    const recs = join(d, "rft.jsonl");
    writeFileSync(recs, [JSON.stringify({ id: "a", messages: [{ role: "user", content: "Capital of France?" }], reference_answer: "Paris" }), JSON.stringify({ id: "b", messages: [{ role: "user", content: "Extract name and age." }], reference_answer: { name: "Ann", age: 31 } })].join("\n") + "\n");
    await run(["grader", "init", "--kind", "exact", "-o", join(d, "exact")]);
    const resp = join(d, "r.jsonl");
    writeFileSync(resp, [JSON.stringify({ id: "a", response: "  paris " }), JSON.stringify({ id: "a", response: "Lyon" }), JSON.stringify({ id: "b", response: 'Here: {"name": "ann", "age": 30} done' })].join("\n") + "\n");
    const out = join(d, "o.jsonl");
    const e = await run(["grader", "test", join(d, "exact"), "--records", recs, "--responses", resp, "-o", out]);
    expect(e.code, e.stderr).toBe(0);
    // Two answers for record a: ids a and a#1, as Bedrock gives each sample its own.
    expect((lines(readFileSync(out, "utf8")) as { id: string; score: number }[]).map((x) => [x.id, x.score])).toEqual([["a", 1], ["a#1", 0], ["b", 0]]);
    await run(["grader", "init", "--kind", "json-fields", "-o", join(d, "fields")]);
    const j = await run(["grader", "test", join(d, "fields"), "--records", recs, "--responses", resp, "-o", out]);
    expect(j.code, j.stderr).toBe(0);
    const byId = Object.fromEntries((lines(readFileSync(out, "utf8")) as { id: string; score: number; metrics: { name: string; value: number }[] }[]).map((x) => [x.id, x]));
    expect(byId.b!.score).toBe(0.5); // the name matches (case aside), the age does not
    expect(byId.b!.metrics).toEqual(expect.arrayContaining([{ name: "name", value: 1, type: "Metric" }, { name: "age", value: 0, type: "Metric" }]));
    // A string reference is not an object: that sample scores 0 and the grader says why in its log.
    expect(byId.a!.score).toBe(0);
    expect(j.stdout).toMatch(/sample a: the reference answer is not a JSON object/);

    // A grader that reads only the top-level reference_answer fails on the metadata shape: the test shows it.
    const narrow = join(d, "narrow.mjs");
    writeFileSync(narrow, "export const handler = async (ev) => ev.map((s) => ({ id: s.id, aggregate_reward_score: s.reference_answer === undefined ? -1 : 1 }));\n");
    const top = await run(["grader", "test", narrow, "--records", recs, "--payload", "top-level", "--json"]);
    expect(JSON.parse(top.stdout).scores).toMatchObject({ min: 1, max: 1 });
    const meta = await run(["grader", "test", narrow, "--records", recs, "--payload", "metadata", "--json"]);
    expect(JSON.parse(meta.stdout).scores).toMatchObject({ min: -1, max: -1 });
  });

  it("a grader's malformed returns, throws and hangs are findings naming the sample and its line; exit 1; a grader that does not load is exit 3", async () => {
    const d = tmp();
    const bad = join(d, "bad.mjs");
    writeFileSync(
      bad,
      `export const handler = async (ev) => {
  if (ev.some((s) => s.messages.at(-1).content === "hang")) await new Promise(() => setInterval(() => {}, 1000));
  if (ev.some((s) => s.messages.at(-1).content === "boom")) throw new Error("boom in the grader");
  console.log("graded", ev.length);
  return ev.filter((s) => s.id !== "q5").map((s) => s.id === "q3" ? { id: s.id, aggregate_reward_score: "1" } : s.id === "q4" ? { id: s.id, aggregate_reward_score: 1, metrics_list: [{ name: "x", value: "high" }] } : { id: s.id, aggregate_reward_score: 0.5 });
};\n`,
    );
    const recs = records(d);
    const resp = join(d, "r.jsonl");
    writeFileSync(resp, Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `q${i}`, response: i === 12 ? "boom" : i === 17 ? "hang" : "1" })).join("\n") + "\n");
    const r = await run(["grader", "test", bad, "--records", recs, "--responses", resp, "--batch-size", "5", "--timeout", "1s"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^20 samples in 4 calls: 7 scored, 13 malformed/m);
    expect(r.stderr).toMatch(/r\.jsonl:4: grader-output: sample q3: aggregate_reward_score is "1", not a finite number/);
    expect(r.stderr).toMatch(/r\.jsonl:5: grader-output: sample q4: metrics_list has \{"name":"x","value":"high"\}/);
    expect(r.stderr).toMatch(/r\.jsonl:6: grader-output: sample q5: no item with this sample's id/);
    expect(r.stderr).toMatch(/r\.jsonl:13: grader-output: sample q12: the handler threw: Error: boom in the grader/);
    expect(r.stderr).toMatch(/r\.jsonl:18: grader-output: sample q17: the batch of 5 did not answer within 1 s/);
    expect(r.stdout).toMatch(/grader output \(last lines\):\n {2}graded 5/);
    const missing = await run(["grader", "test", join(d, "nothing"), "--records", recs]);
    expect(missing.code).toBe(2);
    const broken = join(d, "broken.mjs");
    writeFileSync(broken, "export const notAHandler = 1;\n");
    const b = await run(["grader", "test", broken, "--records", recs]);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/the grader did not load: it exports no handler function/);
    const notRft = join(d, "plain.jsonl");
    writeFileSync(notRft, '{"prompt": "a", "completion": "b"}\n');
    expect((await run(["grader", "test", bad, "--records", notRft])).stderr).toMatch(/plain\.jsonl:1: not an rft record/);
  });

  it("the judge template asks a Bedrock model (Converse, through the real SDK) and turns its 0–10 score into the reward", async () => {
    const d = tmp();
    const g = join(d, "judge");
    expect((await run(["grader", "init", "--kind", "judge", "-o", g])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(g, "package.json"), "utf8")).dependencies).toHaveProperty("@aws-sdk/client-bedrock-runtime");
    // What `npm install` in the grader's folder would give it.
    symlinkSync(join(ROOT, "node_modules"), join(g, "node_modules"));
    const s = await teacher({ reply: (prompt: string) => {
      const ref = /REFERENCE:\n([\s\S]*?)\n\nANSWER:/.exec(prompt)?.[1];
      const ans = /ANSWER:\n([\s\S]*)$/.exec(prompt)?.[1];
      return ref === undefined ? undefined : ref.trim() === ans?.trim() ? "10\nsays what the reference says" : "3\nwrong number";
    } });
    const recs = records(d);
    const resp = join(d, "r.jsonl");
    writeFileSync(resp, Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `q${i}`, response: i < 15 ? String(2 * i + 1) : "7777" })).join("\n") + "\n");
    const env = { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: s.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "not-a-secret", JUDGE_MODEL_ID: "amazon.nova-2-lite-v1:0" };
    const r = await run(["grader", "test", g, "--records", recs, "--responses", resp, "--json"], { env });
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep).toMatchObject({ samples: 20, scored: 20, malformed: 0, scores: { min: 0.3, max: 1 } });
    expect(rep.scores.mean).toBeCloseTo((15 * 1 + 5 * 0.3) / 20, 6);
    expect(existsSync(join(g, "index.mjs"))).toBe(true);
  });
});

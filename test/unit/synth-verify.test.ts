import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openai, teacher } from "../helpers/teachers.js";
import { BIN, lines, run, tmp } from "../helpers/run.js";
import { docsCsv } from "../helpers/docs.js";

const fast = { PREP_DATA_TEACHER_BACKOFF_MS: "10" };
const isRubric = (p: string) => p.includes("Score the pair on three criteria");
type Meta = { kind: string; judge_scores?: Record<string, number>; judge_score?: number; judge_reason?: string; repaired_from?: { question: string; judge_score: number }; style?: string; persona?: string };
type Reject = { reason: string; message: string; raw?: Record<string, unknown>; row?: number };

describe("synth --verify: a judge checks every pair against its document", () => {
  it("a question that leans on the document and an answer from outside it are refused as judge-score, with the scores and reason in --rejects; the rest carry their verdict in --metadata", async () => {
    // Document 0 gets a dependent question, document 1 an ungrounded answer.
    const s = await teacher({ faults: (_n, p) => (isRubric(p) ? undefined : p.includes("Document 0 ") ? { kind: "dependent" } : p.includes("Document 1 ") ? { kind: "ungrounded" } : undefined) });
    const d = tmp();
    const r = await run(["synth", docsCsv(d, 4), ...openai(s), "--pairs", "3", "--verify", "--metadata", join(d, "meta.jsonl"), "--rejects", join(d, "rej.jsonl"), "-o", join(d, "o.jsonl")], { env: fast });
    expect(r.code, r.stderr).toBe(1);
    const recs = lines(readFileSync(join(d, "o.jsonl"), "utf8"));
    expect(recs).toHaveLength(10);
    const rej = lines(readFileSync(join(d, "rej.jsonl"), "utf8")) as Reject[];
    expect(rej.map((x) => x.reason)).toEqual(["judge-score", "judge-score"]);
    expect((rej[0] as { line?: number }).line).toBe(2);
    expect(rej[0]!.raw).toMatchObject({ question: expect.stringContaining("passage above"), judge_scores: { question: 2, grounded: expect.any(Number), correct: expect.any(Number) }, judge_score: 2 });
    expect(rej[0]!.message).toMatch(/scored 2 \(question 2, grounded \d, correct \d\), below --min-score 3: the question refers to the document/);
    expect(rej[1]!.raw).toMatchObject({ answer: expect.stringContaining("cheese"), judge_scores: { grounded: 1, correct: 1 } });
    const meta = lines(readFileSync(join(d, "meta.jsonl"), "utf8")) as Meta[];
    expect(meta.every((m) => m.judge_score === 5 && m.judge_scores!.question === 5 && typeof m.judge_reason === "string")).toBe(true);
    // Each kept or refused pair was judged once: 4 teacher requests + 12 judge requests, the judge at temperature 0.
    const judged = s.seen.filter((x) => isRubric(x.prompt));
    expect(judged).toHaveLength(12);
    expect(judged.every((x) => (x.body as { temperature?: number }).temperature === 0)).toBe(true);
    expect(r.stderr).toMatch(/judge \(openai:qwen2\.5-7b-instruct\): 12 pairs judged: 10 met --min-score 3, 2 below; scores question 0\/1\/0\/0\/11/);
    expect(r.stderr).toMatch(/teacher: 4 documents, 16 requests/);
  });

  it("--repair asks once for a corrected pair and judges it again: kept when it passes (repaired_from in --metadata), refused when it does not; never more than one repair a pair", async () => {
    const s = await teacher({ faults: (_n, p) => (isRubric(p) || p.includes("corrected pair") ? undefined : p.includes("Document 0 ") ? { kind: "dependent" } : undefined) });
    const d = tmp();
    const r = await run(["synth", docsCsv(d, 2), ...openai(s), "--pairs", "2", "--verify", "--repair", "--metadata", join(d, "meta.jsonl"), "-o", join(d, "o.jsonl")], { env: fast });
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(readFileSync(join(d, "o.jsonl"), "utf8")) as { messages: { content: string }[] }[];
    expect(recs).toHaveLength(4);
    expect(recs[0]!.messages[0]!.content).toMatch(/What is said about Document \(repaired\)\?$/);
    const meta = lines(readFileSync(join(d, "meta.jsonl"), "utf8")) as Meta[];
    expect(meta[0]!.repaired_from).toMatchObject({ question: expect.stringContaining("passage above"), judge_score: 2 });
    expect(meta[0]!.judge_score).toBe(5);
    expect(s.seen.filter((x) => x.prompt.includes("corrected pair"))).toHaveLength(1);
    expect(r.stderr).toMatch(/1 below \(1 repaired and kept\)/);

    // A repair that is no better: refused with both verdicts, after exactly one repair request.
    const bad = await teacher({
      faults: (_n, p) => (isRubric(p) || p.includes("corrected pair") ? undefined : { kind: "dependent" }),
      reply: (p: string) => (p.includes("corrected pair") ? '{"question": "And what does the passage above say?", "answer": "It says so."}' : undefined),
    });
    const d2 = tmp();
    const r2 = await run(["synth", docsCsv(d2, 3), ...openai(bad), "--pairs", "1", "--verify", "--repair", "--rejects", join(d2, "rej.jsonl"), "-o", join(d2, "o.jsonl")], { env: fast });
    expect(r2.code, r2.stderr).toBe(3);
    expect(existsSync(join(d2, "o.jsonl"))).toBe(false);
    const rej = lines(readFileSync(join(d2, "rej.jsonl"), "utf8")) as Reject[];
    expect(rej).toHaveLength(3);
    expect(rej[0]!.message).toMatch(/; repaired, it scored 1 /);
    expect(rej[0]!.raw).toMatchObject({ judge_score: 2, repaired: { question: "And what does the passage above say?", judge_score: 1 } });
    expect(bad.seen.filter((x) => x.prompt.includes("corrected pair"))).toHaveLength(3);
    expect(bad.seen.filter((x) => isRubric(x.prompt))).toHaveLength(6);
  });

  it("verdicts are read strictly: scores as text, half scores and prose are judge-parse (the pair refused, the reply in --rejects); a fenced verdict is read", async () => {
    const kinds = ["judge-string", "judge-float", "judge-prose", "fenced"] as const;
    let k = 0;
    const s = await teacher({ faults: (_n, p) => (isRubric(p) ? { kind: kinds[k++ % 4]! } : undefined) });
    const d = tmp();
    const r = await run(["synth", docsCsv(d, 4), ...openai(s), "--pairs", "1", "--concurrency", "1", "--verify", "--rejects", join(d, "rej.jsonl"), "-o", join(d, "o.jsonl")], { env: fast });
    expect(r.code, r.stderr).toBe(1);
    expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toHaveLength(1);
    const rej = lines(readFileSync(join(d, "rej.jsonl"), "utf8")) as Reject[];
    expect(rej.map((x) => x.reason)).toEqual(["judge-parse", "judge-parse", "judge-parse"]);
    expect(rej[0]!.message).toMatch(/"question" is "5", not an integer from 1 to 5/);
    expect(rej[1]!.message).toMatch(/"question" is 5\.5, not an integer/);
    expect(rej[2]!.message).toMatch(/no JSON object in the judge's reply/);
    expect(rej[2]!.raw).toMatchObject({ reply: expect.stringContaining("high score") });
    expect(r.stderr).toMatch(/3 without a verdict/);
  });

  it("a run killed half-way and started again asks neither the teacher nor the judge anything already answered", async () => {
    const s = await teacher({ latencyMs: 30 });
    const d = tmp();
    const csv = docsCsv(d, 20);
    const out = join(d, "o.jsonl");
    const args = ["synth", csv, ...openai(s), "--pairs", "2", "--verify", "--concurrency", "2", "--metadata", join(d, "m.jsonl"), "-o", out];
    const child = spawn(process.execPath, [BIN, ...args], { stdio: "ignore", env: { ...process.env, ...fast } });
    while (s.seen.filter((x) => isRubric(x.prompt)).length < 8) await new Promise((r) => setTimeout(r, 10));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const first = s.seen.length;
    const again = await run(args, { env: fast });
    expect(again.code, again.stderr).toBe(0);
    const prompts = s.seen.map((x) => x.prompt);
    expect(prompts.length - new Set(prompts).size).toBeLessThanOrEqual(2); // only what was in flight at the kill
    expect(new Set(prompts).size).toBe(20 + 40);
    expect(again.stderr).toMatch(/cached teacher and judge replies/);
    expect(lines(readFileSync(out, "utf8"))).toHaveLength(40);
    expect(first).toBeGreaterThanOrEqual(8);
  });

  it("--judge names another model (its own server with --judge-base-url); --max-requests counts judge calls too; options of --verify without it are usage errors", async () => {
    const t = await teacher();
    const j = await teacher();
    const d = tmp();
    const r = await run(["synth", docsCsv(d, 3), ...openai(t), "--pairs", "2", "--verify", "--judge", "openai:judge-model", "--judge-base-url", `${j.url}/v1`, "-o", join(d, "o.jsonl")], { env: fast });
    expect(r.code, r.stderr).toBe(0);
    expect(t.seen).toHaveLength(3);
    expect(j.seen).toHaveLength(6);
    expect(j.seen.every((x) => x.model === "judge-model" && isRubric(x.prompt))).toBe(true);
    const lim = await run(["synth", docsCsv(d, 10), ...openai(t), "--pairs", "2", "--verify", "--concurrency", "1", "--max-requests", "7", "--no-cache", "-o", join(d, "l.jsonl")], { env: fast });
    expect(lim.code, lim.stderr).toBe(0);
    expect(lim.stderr).toMatch(/7 requests .*stopped by --max-requests/);
    const u = await run(["synth", docsCsv(d, 3), ...openai(t), "--repair", "-o", join(d, "u.jsonl")]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--repair is an option of --verify: add --verify/);
  });
});

describe("synth: questions that repeat, and variety on request", () => {
  it("a question repeating another elsewhere in the run is refused as duplicate-question naming the first; originals are never refused", async () => {
    // Every document's first pair asks the same thing, worded a little differently.
    const s = await teacher({
      reply: (p: string) => {
        const m = /Document (\d+) about (\w+)/.exec(p);
        if (!m || isRubric(p)) return undefined;
        return [
          JSON.stringify({ question: `How do ${m[2] === "rivers" ? "rivers" : "rivers"} shape the land over long periods of time?`, answer: `Slowly, document ${m[1]} says.` }),
          JSON.stringify({ question: `Who has studied ${m[2]} in document ${m[1]}?`, answer: "People, for centuries." }),
        ].join("\n");
      },
    });
    const d = tmp();
    const r = await run(["synth", docsCsv(d, 4), ...openai(s), "--pairs", "2", "--include-originals", "--rejects", join(d, "rej.jsonl"), "-o", join(d, "o.jsonl")], { env: fast });
    expect(r.code, r.stderr).toBe(1);
    const rej = lines(readFileSync(join(d, "rej.jsonl"), "utf8")) as Reject[];
    expect(rej.map((x) => x.reason)).toEqual(["duplicate-question", "duplicate-question", "duplicate-question"]);
    expect(rej[0]!.message).toMatch(/repeats the question of .*docs\.csv:2 pair 1/);
    expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toHaveLength(4 + 4 + 1);
    expect(r.stderr).toMatch(/3 pairs refused as repeating a question/);
    // --question-similarity 1: only verbatim repeats (after case and punctuation) count.
    const loose = await run(["synth", docsCsv(d, 4), ...openai(s), "--pairs", "2", "--question-similarity", "1", "--no-cache", "-o", join(d, "l.jsonl")], { env: fast });
    expect(loose.code, loose.stderr).toBe(1); // the four first questions are word for word the same
  });

  it("--styles and --personas rotate over the documents, are asked for in the prompt and recorded in --metadata", async () => {
    const s = await teacher();
    const d = tmp();
    const personas = join(d, "personas.txt");
    writeFileSync(personas, "# who asks\na new hire in the finance team\n\na field geologist\n");
    const r = await run(["synth", docsCsv(d, 6), ...openai(s), "--pairs", "1", "--concurrency", "1", "--styles", "factual,comparison,how-to", "--personas", personas, "--metadata", join(d, "m.jsonl"), "-o", join(d, "o.jsonl")], { env: fast });
    expect(r.code, r.stderr).toBe(0);
    const meta = lines(readFileSync(join(d, "m.jsonl"), "utf8")) as Meta[];
    expect(meta.map((m) => `${m.style}/${m.persona}`)).toEqual(["factual/a new hire in the finance team", "comparison/a field geologist", "how-to/a new hire in the finance team", "factual/a field geologist", "comparison/a new hire in the finance team", "how-to/a field geologist"]);
    expect(s.seen[1]!.prompt).toContain("- Write questions that compare or contrast two things the document describes. Write the questions as this reader would ask them: a field geologist.");
    const bad = await run(["synth", docsCsv(d, 2), ...openai(s), "--styles", "poetic", "-o", join(d, "x.jsonl")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown style "poetic" \(one of factual, reasoning/);
    writeFileSync(join(d, "p.txt"), "{document} {n}");
    const noSlot = await run(["synth", docsCsv(d, 2), ...openai(s), "--styles", "factual", "--prompt-file", join(d, "p.txt"), "-o", join(d, "x.jsonl")]);
    expect(noSlot.code).toBe(2);
    expect(noSlot.stderr).toMatch(/has no \{variety\}/);
  });
});

describe("dedup and merge --key: records compared by a part of them", () => {
  it("dedup --key '{question}' compares the question after the document, --near by its word pairs; a record without the field is no-key", async () => {
    const d = tmp();
    const rec = (doc: string, q: string, a: string) => JSON.stringify({ messages: [{ role: "user", content: `${doc}\n\n${q}` }, { role: "assistant", content: a }] });
    writeFileSync(
      join(d, "in.jsonl"),
      [
        rec("A long shared document about rivers and how they shape the land.", "How do rivers shape the land?", "Slowly."),
        rec("A long shared document about rivers and how they shape the land.", "Who studies rivers?", "Geologists."),
        rec("Another document entirely, on tides and the moon.", "how do rivers shape the land", "By erosion."),
        rec("Yet another text on glaciers.", "How do rivers shape the land over time?", "Over time."),
        JSON.stringify({ text: "continued pre-training text has no turns" }),
      ].join("\n") + "\n",
    );
    const whole = await run(["dedup", join(d, "in.jsonl"), "--near", "-o", join(d, "w.jsonl")]);
    expect(lines(readFileSync(join(d, "w.jsonl"), "utf8"))).toHaveLength(5);
    const r = await run(["dedup", join(d, "in.jsonl"), "--key", "{question}", "--near", "0.5", "--rejects", join(d, "rej.jsonl"), "-o", join(d, "o.jsonl")]);
    expect(r.code, r.stderr).toBe(1);
    expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toHaveLength(2);
    const rej = lines(readFileSync(join(d, "rej.jsonl"), "utf8")) as { reason: string; key?: string; kept?: string; line: number; message?: string }[];
    expect(rej.map((x) => [x.line, x.reason])).toEqual([[3, "duplicate"], [4, "near-duplicate"], [5, "no-key"]]);
    expect(rej[0]).toMatchObject({ key: "how do rivers shape the land", kept: expect.stringMatching(/in\.jsonl:1$/) });
    expect(rej[2]!.message).toMatch(/no "question" for --key \{question\}/);
    const u = await run(["merge", join(d, "in.jsonl"), "--key", "{question}", "-o", join(d, "m.jsonl")]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--key says what --dedup compares/);
  });
});

describe("prep-data curate FILE --judge: any question/answer file checked by a judge", () => {
  it("removes records below --min-score (judge-score, verdict in --rejects), keeps the rest as they were with their scores in --metadata; --repair writes the corrected pair back; a record without a document is no-document", async () => {
    const s = await teacher({ faults: (_n, p) => (isRubric(p) || p.includes("corrected pair") ? undefined : p.includes("Document 0 ") ? { kind: "dependent" } : p.includes("Document 1 ") ? { kind: "ungrounded" } : undefined) });
    const d = tmp();
    const syn = join(d, "syn.jsonl");
    const g = await run(["synth", docsCsv(d, 3), ...openai(s), "--pairs", "2", "--no-cache", "-o", syn], { env: fast });
    expect(g.code, g.stderr).toBe(0);
    const recs = readFileSync(syn, "utf8").trimEnd().split("\n");
    writeFileSync(syn, [...recs, JSON.stringify({ messages: [{ role: "user", content: "A question with no document?" }, { role: "assistant", content: "An answer." }] })].join("\n") + "\n");
    const judge = ["--judge", "openai:judge", "--base-url", `${s.url}/v1`];
    const before = s.seen.length;
    const r = await run(["curate", syn, ...judge, "--metadata", join(d, "m.jsonl"), "--rejects", join(d, "rej.jsonl"), "-o", join(d, "kept.jsonl")], { env: fast });
    expect(r.code, r.stderr).toBe(1); // no-document is a refusal; judge-score removals alone are what curate is for
    const kept = readFileSync(join(d, "kept.jsonl"), "utf8").trimEnd().split("\n");
    expect(kept).toEqual([recs[1], recs[2], recs[4], recs[5]]); // byte for byte
    const rej = lines(readFileSync(join(d, "rej.jsonl"), "utf8")) as Reject[];
    expect(rej.map((x) => [x.reason, (x as { line?: number }).line])).toEqual([["judge-score", 1], ["judge-score", 4], ["no-document", 7]]);
    expect(rej[0]!.raw).toMatchObject({ judge_scores: { question: 2 }, record: JSON.parse(recs[0]!) });
    const meta = lines(readFileSync(join(d, "m.jsonl"), "utf8")) as (Meta & { line: number })[];
    expect(meta.map((m) => [m.line, m.judge_score])).toEqual([[2, 5], [3, 5], [5, 5], [6, 5]]);
    expect(s.seen.length - before).toBe(6);
    expect(r.stderr).toMatch(/judge \(openai:judge\): 6 records judged: 4 met --min-score 3, 2 below/);
    // Again with --repair: the verdicts come from the cache beside the output; the two flawed pairs are corrected.
    const again = await run(["curate", syn, ...judge, "--repair", "-o", join(d, "kept.jsonl"), "--metadata", join(d, "m2.jsonl")], { env: fast });
    expect(again.code, again.stderr).toBe(1);
    expect(s.seen.filter((x) => x.prompt.includes("corrected pair"))).toHaveLength(2);
    expect(s.seen.length - before).toBe(6 + 2 + 2); // 2 repairs, 2 new verdicts, nothing asked twice
    const fixed = lines(readFileSync(join(d, "kept.jsonl"), "utf8")) as { messages: { content: string }[] }[];
    expect(fixed).toHaveLength(6);
    expect(fixed[0]!.messages[0]!.content).toMatch(/^Document 0 about rivers:.*\n\nWhat is said about Document \(repaired\)\?$/s);
    expect((lines(readFileSync(join(d, "m2.jsonl"), "utf8"))[0] as Meta).repaired_from).toMatchObject({ judge_score: 2 });
  });
});

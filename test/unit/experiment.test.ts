import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { teacher, type TeacherServer } from "../helpers/teachers.js";
import { lines, ROOT, run, tmp } from "../helpers/run.js";

const TOPICS = ["rivers", "photosynthesis", "volcanoes", "tides", "glaciers", "deserts", "coral reefs", "monsoons", "aurorae", "earthquakes", "comets", "wetlands"];
const awsEnv = (s: TeacherServer) => ({ AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "not-a-secret", AWS_ENDPOINT_URL_BEDROCK_RUNTIME: s.url, PREP_DATA_TEACHER_BACKOFF_MS: "10" });
const TUNED = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123def456";
const BASE = "amazon.nova-lite-v1:0";
const JUDGE = "bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0";

describe("the experiments, end to end with prep-data alone (stand-ins for Bedrock)", () => {
  it("the original demo's check: DialogSum prompts as an evaluation file, the base and the tuned model (its provisioned throughput ARN) scored with ROUGE and judged", async () => {
    const s = await teacher({ roles: { [BASE]: "base", [TUNED]: "tuned" } });
    const d = tmp();
    // The bundled stand-in dataset has train and validation splits; with the Hub it is --split test.
    const hub = { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(ROOT, "fixtures", "hf-cache") };
    const e = await run(["dialogsum", "--split", "validation", "--format", "evaluation", "-o", join(d, "test.jsonl")], { env: hub });
    expect(e.code, e.stderr).toBe(0);
    const n = lines(readFileSync(join(d, "test.jsonl"), "utf8")).length;
    expect(n).toBeGreaterThan(0);
    const r = await run(["eval", join(d, "test.jsonl"), "--model", `base=bedrock:${BASE}`, "--model", `tuned=bedrock:${TUNED}`, "--judge", JUDGE, "-o", join(d, "results.jsonl"), "--report", join(d, "eval.json")], { env: awsEnv(s) });
    expect(r.code, r.stderr).toBe(0);
    const res = lines(readFileSync(join(d, "results.jsonl"), "utf8")) as { metrics: Record<string, { rougeL: number }>; judge: Record<string, { winner: string }> }[];
    expect(res).toHaveLength(n);
    expect(res.every((x) => typeof x.metrics.base!.rougeL === "number" && typeof x.metrics.tuned!.rougeL === "number")).toBe(true);
    // Converse at each model's URL: the tuned model by its ARN.
    expect(s.seen.some((x) => x.path === `/model/${encodeURIComponent(TUNED)}/converse`)).toBe(true);
    const rep = JSON.parse(readFileSync(join(d, "eval.json"), "utf8")) as { eval: { pairs: Record<string, { wins: Record<string, number>; winRate: { ci95: number[] } }> } };
    expect(rep.eval.pairs["base vs tuned"]!.wins.tuned).toBe(n);
    expect(r.stderr).toMatch(new RegExp(`base vs tuned: base wins 0, tuned wins ${n}, ties 0`));
  });

  it("the published synthetic-data experiment: originals sampled, synthetic pairs verified and de-duplicated by question, merged, a held-out set, both arms evaluated with win rates", async () => {
    const s = await teacher({
      roles: { "student-originals": "base", "student-tuned-synthetic": "tuned" },
      // One document in eight gets a question that leans on its document: the judge refuses it.
      faults: (_n, p) => (/Document (\d+) /.exec(p) && Number(/Document (\d+) /.exec(p)![1]) % 8 === 0 && p.includes("new question") ? { kind: "dependent" } : undefined),
    });
    const d = tmp();
    const csv = join(d, "docs.csv");
    writeFileSync(csv, "document,question,answer\n" + Array.from({ length: 40 }, (_, i) => `"Document ${i} about ${TOPICS[i % 12]}: ${TOPICS[i % 12]} shape the land in slow and sudden ways, and people have studied them for centuries.",What is document ${i} about?,It is about ${TOPICS[i % 12]}.`).join("\n") + "\n");
    const S = ["--sample", "20", "--seed", "1", "--test-fraction", "0.25", "--group-by", "{document}", "--format", "messages"];
    const go = async (args: string[], code = 0) => {
      const r = await run(args, { env: { ...awsEnv(s), OPENAI_BASE_URL: `${s.url}/v1` } });
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(code);
      return r;
    };
    await go(["csv", csv, "--prompt", "{document}\\n\\n{question}", "--completion", "{answer}", ...S, "-o", join(d, "originals.jsonl")]);
    const syn = await go(["synth", csv, "--teacher", "bedrock:anthropic.claude-3-sonnet-20240229-v1:0", "--pairs", "3", "--verify", ...S, "--rejects", join(d, "weak.jsonl"), "-o", join(d, "synthetic.jsonl")], 1);
    expect(syn.stderr).toMatch(/judge \(bedrock:anthropic\.claude-3-sonnet-20240229-v1:0\): 60 pairs judged: \d+ met --min-score 3, [1-9]\d* below/);
    const weak = lines(readFileSync(join(d, "weak.jsonl"), "utf8")) as { reason: string }[];
    expect(weak.length).toBeGreaterThan(0);
    expect(weak.every((w) => w.reason === "judge-score")).toBe(true);
    await go(["merge", join(d, "originals.jsonl"), join(d, "synthetic.jsonl"), "--dedup", "near", "--key", "{question}", "--tag", "--metadata", join(d, "origin.jsonl"), "--rejects", join(d, "dups.jsonl"), "--validation-fraction", "0.1", "--model", "haiku", "-o", join(d, "train.jsonl")]);
    expect(readFileSync(join(d, "dups.jsonl"), "utf8")).toBe("");
    const origin = lines(readFileSync(join(d, "origin.jsonl"), "utf8")) as { tag: string }[];
    const count = (f: string) => lines(readFileSync(join(d, f), "utf8")).length;
    // Every pair is accounted for: written (training or held-out side) or refused by the judge; merged by question,
    // every synthetic and original record of the training side survives.
    expect(count("synthetic.jsonl") + count("synthetic.test.jsonl") + weak.length).toBe(60);
    expect(origin.filter((x) => x.tag === "synthetic").length).toBe(count("synthetic.jsonl"));
    expect(origin.filter((x) => x.tag === "originals").length).toBe(count("originals.jsonl"));
    // The held-out questions (the originals of the test documents) as an evaluation file.
    await go(["convert", join(d, "originals.test.jsonl"), "--to", "evaluation", "-o", join(d, "heldout.jsonl")]);
    const held = lines(readFileSync(join(d, "heldout.jsonl"), "utf8"));
    expect(held.length).toBeGreaterThan(0);
    const ev = await go(["eval", join(d, "heldout.jsonl"), "--model", "originals=openai:student-originals", "--model", "synthetic=openai:student-tuned-synthetic", "--judge", "openai:judge", "-o", join(d, "results.jsonl"), "--report", join(d, "eval.json")]);
    expect(ev.stderr).toMatch(new RegExp(`originals vs synthetic: originals wins 0, synthetic wins ${held.length}, ties 0, inconsistent 0 → originals win rate 0\\.0 % \\(95 % CI 0\\.0–\\d+\\.\\d %, ${held.length} decided, ties excluded\\)`));
  });
});

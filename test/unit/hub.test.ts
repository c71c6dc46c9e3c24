import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parquetWriteFile } from "hyparquet-writer";
import { selectSplitFiles } from "../../src/index.js";
import { startHubServer } from "../helpers/hub-server.js";
import { lines, ROOT, run, tmp } from "../helpers/run.js";

const PROMPT = (d: string) => `Summarize the simplest and most interesting part of the following conversation.\n\n${d}\n\nSummary: `;

describe("split file selection follows the Hub's naming conventions", () => {
  it("picks split files by name or folder, in shard order, and treats unnamed files as train", () => {
    const paths = ["README.md", "data/train-00001-of-00002.parquet", "data/train-00000-of-00002.parquet", "data/validation-00000-of-00001.parquet", "data/test.jsonl", ".gitattributes"];
    expect(selectSplitFiles(paths, "train")).toEqual(["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]);
    expect(selectSplitFiles(paths, "validation")).toEqual(["data/validation-00000-of-00001.parquet"]);
    expect(selectSplitFiles(["dev/a.csv", "train/b.csv"], "validation")).toEqual(["dev/a.csv"]);
    expect(selectSplitFiles(["train.csv", "validation.csv", "holdout.csv"], "train")).toEqual(["train.csv"]);
    expect(selectSplitFiles(["train.csv", "holdout.csv"], "holdout")).toEqual(["holdout.csv"]);
    expect(selectSplitFiles(["qa.jsonl"], "train")).toEqual(["qa.jsonl"]);
    expect(selectSplitFiles(["qa.jsonl"], "test")).toEqual([]);
  });
});

describe("Hub datasets through a local Hub server", () => {
  let server: Awaited<ReturnType<typeof startHubServer>>;
  let root: string;
  const trainCsv = readFileSync(join(ROOT, "fixtures/hub/datasets/knkarthick/dialogsum/main/train.csv"), "utf8");

  beforeAll(async () => {
    root = tmp();
    cpSync(join(ROOT, "fixtures/hub"), root, { recursive: true });
    // A dataset with only a README on main and its rows on the parquet-conversion branch.
    const pq = join(root, "datasets/acme/parquet-only");
    mkdirSync(join(pq, "main"), { recursive: true });
    writeFileSync(join(pq, "main/README.md"), "# parquet only\n");
    mkdirSync(join(pq, "refs/convert/parquet/default/train"), { recursive: true });
    parquetWriteFile({
      filename: join(pq, "refs/convert/parquet/default/train/0000.parquet"),
      columnData: [
        { name: "question", data: ["What is 2+2?", "Capital of France?"], type: "STRING" },
        { name: "answer", data: ["4", "Paris"], type: "STRING" },
      ],
    });
    // A sharded dataset in data/ with many files, to exercise tree pagination.
    const sh = join(root, "datasets/acme/sharded/main/data");
    mkdirSync(sh, { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(sh, `train-0000${i}-of-00003.jsonl`), `{"q":"q${i}a","a":"x"}\n{"q":"q${i}b","a":"y"}\n`);
    writeFileSync(join(sh, "test-00000-of-00001.jsonl"), `{"q":"t","a":"z"}\n`);
    server = await startHubServer({ root, pageSize: 2 });
  });
  afterAll(async () => server?.close());

  it("dialogsum: downloads into the huggingface_hub cache layout, writes the demo's template, then hits the cache", async () => {
    const cache = tmp();
    const out = join(tmp(), "train.jsonl");
    const env = { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache };
    const before = server.downloads().length;
    const r = await run(["dialogsum", "--format", "instruction", "-o", out], { env });
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(readFileSync(out, "utf8")) as { prompt: string; completion: string }[];
    expect(recs).toHaveLength(6);
    expect(recs[0]).toEqual({
      prompt: PROMPT("#Person1#: Did you water the tomatoes this morning?\n#Person2#: I did, but the hose is leaking again.\n#Person1#: Then let's buy a new one on Saturday."),
      completion: "Person2 watered the tomatoes; they plan to buy a new hose on Saturday.",
    });
    expect(r.stderr).toMatch(/read 6, written 6, rejected 0 → .*train\.jsonl/);
    expect(server.downloads().length - before).toBe(1);

    const repo = join(cache, "datasets--knkarthick--dialogsum");
    const commit = readFileSync(join(repo, "refs/main"), "utf8");
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    const link = join(repo, "snapshots", commit, "train.csv");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toMatch(/^\.\.\/\.\.\/blobs\/[0-9a-f]{64}$/);
    expect(readFileSync(link, "utf8")).toBe(trainCsv);

    const again = await run(["dialogsum", "-o", out], { env });
    expect(again.code).toBe(0);
    expect(server.downloads().length - before).toBe(1); // second run: cache hit, nothing downloaded
    expect(again.stderr).toContain("0 downloaded");

    const offline = await run(["dialogsum", "--limit", "2", "-o", "-"], { env: { ...env, HF_HUB_OFFLINE: "1", HF_ENDPOINT: "http://127.0.0.1:9" } });
    expect(offline.code, offline.stderr).toBe(0);
    expect(lines(offline.stdout)).toEqual(recs.slice(0, 2));
  });

  it("--validation writes the validation split beside the train file; messages and conversation formats", async () => {
    const dir = tmp();
    const env = { HF_ENDPOINT: server.url, HF_HUB_CACHE: tmp() };
    const r = await run(["dialogsum", "--format", "messages", "--system", "You summarise dialogues.", "--validation", "-o", join(dir, "train.jsonl")], { env });
    expect(r.code, r.stderr).toBe(0);
    const val = lines(readFileSync(join(dir, "validation.jsonl"), "utf8")) as { system: string; messages: { role: string; content: string }[] }[];
    expect(val).toHaveLength(2);
    expect(val[0]).toEqual({
      system: "You summarise dialogues.",
      messages: [
        { role: "user", content: PROMPT("#Person1#: Where did you put the keys?\n#Person2#: On the hook by the door, as always.") },
        { role: "assistant", content: "The keys are on the hook by the door." },
      ],
    });
    const c = await run(["dialogsum", "--format", "conversation", "--limit", "1", "-o", "-"], { env });
    expect(lines(c.stdout)[0]).toMatchObject({ schemaVersion: "bedrock-conversation-2024", messages: [{ role: "user" }, { role: "assistant", content: [{ text: "Person2 watered the tomatoes; they plan to buy a new hose on Saturday." }] }] });
  });

  it("falls back to the refs/convert/parquet branch when main has no data files", async () => {
    const cache = tmp();
    const r = await run(["hf", "acme/parquet-only", "--prompt", "Q: {question}", "--completion", "{answer}", "-o", "-"], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache } });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual([
      { prompt: "Q: What is 2+2?", completion: "4" },
      { prompt: "Q: Capital of France?", completion: "Paris" },
    ]);
    expect(r.stderr).toContain("refs/convert/parquet");
    expect(existsSync(join(cache, "datasets--acme--parquet-only/refs/refs/convert/parquet"))).toBe(true);
  });

  it("reads every shard of a split in order, across paginated tree listings", async () => {
    const r = await run(["hf", "hf:acme/sharded", "--prompt", "{q}", "--completion", "{a}", "-o", "-"], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: tmp() } });
    expect(r.code, r.stderr).toBe(0);
    expect((lines(r.stdout) as { prompt: string }[]).map((x) => x.prompt)).toEqual(["q0a", "q0b", "q1a", "q1b", "q2a", "q2b"]);
    const t = await run(["hf", "acme/sharded", "--split", "test", "--prompt", "{q}", "--completion", "{a}", "-o", "-"], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: tmp() } });
    expect(lines(t.stdout)).toEqual([{ prompt: "t", completion: "z" }]);
    const v = await run(["hf", "acme/sharded", "--split", "validation", "--prompt", "{q}", "--completion", "{a}"], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: tmp() } });
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('no data files for split "validation"; splits found: test, train');
  });

  it("a missing column is a usage error naming it and listing the columns", async () => {
    const r = await run(["hf", "knkarthick/dialogsum", "--prompt", "{dialog}", "--completion", "{summary}"], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: tmp() } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('uses column "dialog", which does not exist; columns are: id, dialogue, summary, topic');
  });

  it("sends HF_TOKEN to the Hub and never prints it", async () => {
    const secret = await startHubServer({ root, token: "hf_sekrit123" });
    try {
      const ok = await run(["dialogsum", "--limit", "1", "-o", "-"], { env: { HF_ENDPOINT: secret.url, HF_HUB_CACHE: tmp(), HF_TOKEN: "hf_sekrit123" } });
      expect(ok.code, ok.stderr).toBe(0);
      const denied = await run(["dialogsum", "-o", "-"], { env: { HF_ENDPOINT: secret.url, HF_HUB_CACHE: tmp(), HF_TOKEN: "hf_wrongtoken" } });
      expect(denied.code).toBe(3);
      expect(denied.stderr).toContain("refused access to dataset knkarthick/dialogsum (401)");
      expect(denied.stderr + denied.stdout + ok.stderr).not.toContain("hf_wrongtoken");
      expect(ok.stderr).not.toContain("hf_sekrit123");
    } finally {
      await secret.close();
    }
  });

  it("offline with nothing cached, or the Hub unreachable with nothing cached: one line naming the repo", async () => {
    const off = await run(["dialogsum"], { env: { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: tmp() } });
    expect(off.code).toBe(3);
    expect(off.stderr.trim().split("\n")).toHaveLength(1);
    expect(off.stderr).toContain("HF_HUB_OFFLINE=1 and the train split of dataset knkarthick/dialogsum@main is not in the cache");
    const down = await startHubServer({ root });
    const url = down.url;
    await down.close();
    const r = await run(["dialogsum", "-o", join(tmp(), "x.jsonl")], { env: { HF_ENDPOINT: url, HF_HUB_CACHE: tmp() } });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^prep-data: cannot reach the Hugging Face Hub at http:\/\/127\.0\.0\.1:\d+ to fetch dataset knkarthick\/dialogsum@main \(ECONNREFUSED\)/);
  });

  it("unknown datasets and revisions are reported as such", async () => {
    const r = await run(["hf", "acme/nope", "--prompt", "{a}", "--completion", "{b}"], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: tmp() } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("dataset acme/nope@main was not found");
  });

  it("the bundled offline cache runs the main job with no server at all", async () => {
    const r = await run(["dialogsum", "--limit", "3", "-o", "-"], { env: { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(ROOT, "fixtures/hf-cache") } });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(3);
  });
});

describe("convert from a Hub dataset", () => {
  it("reads hf:owner/name chat records through the local Hub", async () => {
    const root = tmp();
    const repo = join(root, "datasets/acme/chats/main");
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, "train.jsonl"), JSON.stringify({ conversations: [{ from: "human", value: "Hi" }, { from: "gpt", value: "Hello!" }] }) + "\n");
    const server = await startHubServer({ root });
    try {
      const r = await run(["convert", "hf:acme/chats", "--to", "messages"], { env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: tmp() } });
      expect(r.code, r.stderr).toBe(0);
      expect(lines(r.stdout)).toEqual([{ messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }] }]);
    } finally {
      await server.close();
    }
  });
});

describe("a misbehaving Hub endpoint", () => {
  let root: string;
  beforeAll(() => {
    root = tmp();
    cpSync(join(ROOT, "fixtures/hub"), root, { recursive: true });
  });

  it("an ETag or blob id that is not a hex digest is refused; nothing is written outside the cache", async () => {
    const evil = await startHubServer({ root, faults: { oid: "../../../../x/pwned_blob" } });
    const base = tmp();
    const cache = join(base, "cache", "hub");
    try {
      const r = await run(["dialogsum", "--limit", "2", "-o", join(base, "out.jsonl")], { env: { HF_ENDPOINT: evil.url, HF_HUB_CACHE: cache } });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/returned the (LFS )?blob id "\.\.\/\.\.\/\.\.\/\.\.\/x\/pwned_blob", which is not the hex digest the Hub uses/);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(existsSync(join(base, "x"))).toBe(false);
      expect(existsSync(join(base, "cache", "x"))).toBe(false);
      expect(existsSync(join(base, "out.jsonl"))).toBe(false);
    } finally {
      await evil.close();
    }
    const badSha = await startHubServer({ root, faults: { sha: "../../refs/main" } });
    try {
      const r = await run(["dialogsum", "--limit", "2", "-o", "-"], { env: { HF_ENDPOINT: badSha.url, HF_HUB_CACHE: join(base, "c2") } });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/returned the commit "\.\.\/\.\.\/refs\/main", which is not the hex digest/);
    } finally {
      await badSha.close();
    }
  });

  it("503 answers and dropped connections are retried with backoff, and the run completes", async () => {
    const flaky = await startHubServer({ root, faults: { unavailable: 2, drop: 2 } });
    try {
      const r = await run(["dialogsum", "--limit", "3", "-o", "-"], { env: { HF_ENDPOINT: flaky.url, HF_HUB_CACHE: tmp() } });
      expect(r.code, r.stderr).toBe(0);
      expect(lines(r.stdout)).toHaveLength(3);
      expect(flaky.requests.length).toBeGreaterThan(4);
    } finally {
      await flaky.close();
    }
    const down = await startHubServer({ root, faults: { unavailable: 1000 } });
    try {
      const r = await run(["dialogsum", "-o", "-"], { env: { HF_ENDPOINT: down.url, HF_HUB_CACHE: tmp(), PREP_DATA_HUB_RETRIES: "2" } });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/Service Unavailable|503/);
      expect(down.requests).toHaveLength(3); // one try and two retries
    } finally {
      await down.close();
    }
  });

  it("a token file with a trailing newline works; one with two lines is refused without showing it", async () => {
    const secret = await startHubServer({ root, token: "hf_sekrit123" });
    try {
      const home = tmp();
      writeFileSync(join(home, "token"), "hf_sekrit123\n");
      const ok = await run(["dialogsum", "--limit", "1", "-o", "-"], { env: { HF_ENDPOINT: secret.url, HF_HOME: home, HF_HUB_CACHE: tmp() } });
      expect(ok.code, ok.stderr).toBe(0);
      writeFileSync(join(home, "token"), "hf_sekrit123\nhf_other456\n");
      const bad = await run(["dialogsum", "--limit", "1", "-o", "-"], { env: { HF_ENDPOINT: secret.url, HF_HOME: home, HF_HUB_CACHE: tmp() } });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/token in .*token holds control characters/);
      expect(bad.stderr + bad.stdout).not.toMatch(/sekrit|other456/);
      const env = await run(["dialogsum", "--limit", "1", "-o", "-"], { env: { HF_ENDPOINT: secret.url, HF_TOKEN: "hf_sekrit123\r\nX-Evil: 1", HF_HUB_CACHE: tmp() } });
      expect(env.code).toBe(2);
      expect(env.stderr).toMatch(/token in HF_TOKEN holds control characters/);
      expect(env.stderr).not.toMatch(/sekrit|Evil/);
    } finally {
      await secret.close();
    }
  });
});

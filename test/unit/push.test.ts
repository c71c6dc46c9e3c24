import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startHubServer } from "../helpers/hub-server.js";
import { run, tmp } from "../helpers/run.js";

const TOKEN = "hf_pushTestToken0123456789";

describe("prep-data push FILE... hf://datasets/OWNER/NAME through @huggingface/hub against the Hub stand-in", () => {
  let server: Awaited<ReturnType<typeof startHubServer>>;
  let root: string;
  const env = () => ({ HF_ENDPOINT: server.url, HF_TOKEN: TOKEN, HF_HOME: join(root, "hf-home") });
  const commits = () => server.requests.filter((r) => r.method === "POST" && /\/commit\//.test(r.path)).length;

  beforeAll(async () => {
    root = tmp();
    mkdirSync(join(root, "datasets"), { recursive: true });
    // Files of 300 bytes or more go through LFS (pre-upload, batch, PUT), smaller ones inline in the commit.
    server = await startHubServer({ root, token: TOKEN, lfsMinBytes: 300 });
  });
  afterAll(async () => server.close());

  it("creates the repository, commits the files byte for byte with a card whose configs name the splits; an identical re-push makes no commit; a changed file commits only itself", async () => {
    const d = tmp();
    const train = join(d, "train.jsonl");
    const val = join(d, "dev.jsonl");
    writeFileSync(train, Array.from({ length: 20 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, completion: `answer ${i}` })).join("\n") + "\n");
    writeFileSync(val, JSON.stringify({ prompt: "v", completion: "w" }) + "\n");
    const r = await run(["push", train, val, "hf://datasets/me/qa", "--json"], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { created: boolean; files: { path: string; split: string; state: string }[]; card: string; commit: { oid: string } };
    expect(res).toMatchObject({ created: true, card: "added", files: [{ path: "train.jsonl", split: "train", state: "added" }, { path: "dev.jsonl", split: "validation", state: "added" }] });
    const repo = join(root, "datasets", "me", "qa", "main");
    expect(readFileSync(join(repo, "train.jsonl"))).toEqual(readFileSync(train));
    expect(readFileSync(join(repo, "dev.jsonl"))).toEqual(readFileSync(val));
    expect(server.requests.some((q) => q.method === "PUT" && q.path.startsWith("/lfs-upload/"))).toBe(true); // train.jsonl went through LFS
    const card = readFileSync(join(repo, "README.md"), "utf8");
    const meta = parse(card.split("---\n")[1]!) as { configs: { config_name: string; data_files: { split: string; path: string }[] }[] };
    expect(meta.configs).toEqual([{ config_name: "default", data_files: [{ split: "train", path: "train.jsonl" }, { split: "validation", path: "dev.jsonl" }] }]);
    expect(commits()).toBe(1);

    const again = await run(["push", train, val, "hf://datasets/me/qa"], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("nothing to push");
    expect(commits()).toBe(1);

    writeFileSync(train, readFileSync(train, "utf8") + JSON.stringify({ prompt: "new", completion: "one" }) + "\n");
    const changed = await run(["push", train, val, "hf://datasets/me/qa", "--json"], { env: env() });
    expect(changed.code, changed.stderr).toBe(0);
    expect((JSON.parse(changed.stdout) as { files: { state: string }[]; card: string }).files.map((f) => f.state)).toEqual(["updated", "unchanged"]);
    expect(JSON.parse(changed.stdout).card).toBe("unchanged");
    expect(commits()).toBe(2);
    expect(readFileSync(join(repo, "train.jsonl"))).toEqual(readFileSync(train));
  });

  it("an existing dataset card keeps its text and other metadata; only configs is set", async () => {
    const repo = join(root, "datasets", "me", "carded", "main");
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, "README.md"), "---\nlicense: mit\nlanguage:\n  - en\n---\n\n# My data\n\nHand-written notes.\n");
    const d = tmp();
    const f = join(d, "qa.jsonl");
    writeFileSync(f, JSON.stringify({ prompt: "a", completion: "b" }) + "\n");
    const r = await run(["push", f, "hf://datasets/me/carded"], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const card = readFileSync(join(repo, "README.md"), "utf8");
    expect(card.endsWith("\n# My data\n\nHand-written notes.\n")).toBe(true);
    const meta = parse(card.split("---\n")[1]!) as Record<string, unknown>;
    expect(meta).toEqual({ license: "mit", language: ["en"], configs: [{ config_name: "default", data_files: [{ split: "train", path: "qa.jsonl" }] }] });
  });

  it("data that breaks the rules is not pushed (nothing sent); a missing or refused token is a clear error that never shows the token; a name that says no split is a usage error", async () => {
    const d = tmp();
    const bad = join(d, "train.jsonl");
    writeFileSync(bad, '{"prompt": "only a prompt"}\n');
    const before = server.requests.length;
    const r = await run(["push", bad, "hf://datasets/me/bad"], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not pushed: 1 error/);
    expect(server.requests.length).toBe(before);
    const good = join(d, "validation.jsonl");
    writeFileSync(good, JSON.stringify({ prompt: "a", completion: "b" }) + "\n");
    const none = await run(["push", good, "hf://datasets/me/x"], { env: { ...env(), HF_TOKEN: undefined } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("push needs a Hugging Face token");
    const wrong = "hf_wrongTokenWrongToken01";
    const refused = await run(["push", good, "hf://datasets/me/x"], { env: { ...env(), HF_TOKEN: wrong } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/the Hub refused me\/x@main \(401\)/);
    expect(refused.stdout + refused.stderr).not.toContain(wrong);
    const two = await run(["push", good, join(d, "notes.jsonl"), "hf://datasets/me/x"], { env: env() });
    expect(two.code).toBe(2);
    const odd = await run(["push", bad, good, "extra.jsonl", "hf://datasets/me/x"], { env: env() });
    expect(odd.stderr).toMatch(/extra\.jsonl: its name does not say which split it is; write it as SPLIT=extra\.jsonl/);
  });
});

import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canMountDisk, tinyDisk } from "../helpers/disk.js";
import { openai, teacher } from "../helpers/teachers.js";
import { BIN, lines, run, tmp } from "../helpers/run.js";

function docsCsv(dir: string, n: number, name = "docs.csv"): string {
  const p = join(dir, name);
  const rows = Array.from({ length: n }, (_, i) => `"Document ${i}: rivers shape the land in slow and sudden ways, studied for centuries (${i}).",What is document ${i} about?,Rivers.`);
  writeFileSync(p, "document,question,answer\n" + rows.join("\n") + "\n");
  return p;
}

describe("synth keeps every document and every paid reply", () => {
  it("a server that throttles with Retry-After: 0 still gets exponential backoff: no document is lost", async () => {
    // Each prompt is throttled for its first 60 ms: six attempts with no wait between them all land inside it.
    const first = new Map<string, number>();
    const s = await teacher({
      faults: (_n, prompt) => {
        const t = first.get(prompt) ?? Date.now();
        first.set(prompt, t);
        return Date.now() - t < 60 ? { kind: "429", retryAfter: 0 } : undefined;
      },
    });
    const d = tmp();
    const out = join(d, "o.jsonl");
    const r = await run(["synth", docsCsv(d, 12), ...openai(s), "--no-cache", "--concurrency", "4", "-o", out], { env: { PREP_DATA_TEACHER_BACKOFF_MS: "20" } });
    expect(r.code, r.stderr).toBe(0);
    expect(lines(readFileSync(out, "utf8"))).toHaveLength(36);
    expect(r.stderr).not.toMatch(/teacher-error/);
  });

  it("--cache naming an input, or a file that is not a cache, is refused before any request", async () => {
    const s = await teacher();
    const d = tmp();
    const csv = docsCsv(d, 3);
    const before = readFileSync(csv, "utf8");
    const r = await run(["synth", csv, ...openai(s), "--cache", csv, "-o", join(d, "o.jsonl")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/one of this run's inputs/);
    const notes = join(d, "notes.txt");
    writeFileSync(notes, "my notes\nkeep these\n");
    const r2 = await run(["synth", csv, ...openai(s), "--cache", notes, "-o", join(d, "o.jsonl")]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/is not a prep-data reply cache/);
    expect(readFileSync(csv, "utf8")).toBe(before);
    expect(readFileSync(notes, "utf8")).toBe("my notes\nkeep these\n");
    expect(s.seen).toHaveLength(0);
  });

  it("two runs sharing one cache keep every reply (appends are whole lines); a partial line left by a kill is skipped", async () => {
    const s = await teacher({ latencyMs: 5 });
    const d = tmp();
    const cache = join(d, "shared.cache.jsonl");
    const a = docsCsv(d, 100, "a.csv");
    const b = join(d, "b.csv");
    writeFileSync(b, readFileSync(a, "utf8").replaceAll("Document ", "Paper "));
    const go = (csv: string, out: string) =>
      new Promise<number | null>((res) => spawn(process.execPath, [BIN, "synth", csv, ...openai(s), "--concurrency", "4", "--cache", cache, "-o", out], { stdio: "ignore" }).on("close", res));
    const [ca, cb] = await Promise.all([go(a, join(d, "a.jsonl")), go(b, join(d, "b.jsonl"))]);
    expect([ca, cb]).toEqual([0, 0]);
    const entries = readFileSync(cache, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { key: string });
    expect(new Set(entries.map((e) => e.key)).size).toBe(200);
    // A killed run's half line at the end: the next run skips it and starts its own line.
    writeFileSync(cache, readFileSync(cache, "utf8") + '{"key":"' + "a".repeat(64) + '","reply":{"te');
    const seen = s.seen.length;
    const again = await run(["synth", a, ...openai(s), "--cache", cache, "-o", join(d, "a2.jsonl")]);
    expect(again.code, again.stderr).toBe(0);
    expect(s.seen.length).toBe(seen); // every reply from the cache
    const c = join(d, "c.csv");
    writeFileSync(c, readFileSync(a, "utf8").replaceAll("Document ", "Note ").split("\n").slice(0, 3).join("\n") + "\n");
    const third = await run(["synth", c, ...openai(s), "--cache", cache, "-o", join(d, "c.jsonl")]);
    expect(third.code, third.stderr).toBe(0);
    const tail = readFileSync(cache, "utf8").split("\n").slice(-3);
    expect(tail[2]).toBe("");
    expect(() => JSON.parse(tail[1]!)).not.toThrow();
  });
});

const disk = canMountDisk("cache full-disk test");

describe.skipIf(!disk)("a cache that cannot be written", () => {
  it("fails the run (exit 3) with the cache named, not as teacher errors; the output is not replaced", async () => {
    const t = tinyDisk("1m")!;
    try {
      writeFileSync(join(t.dir, "filler"), Buffer.alloc(1_040_000));
      const s = await teacher();
      const d = tmp();
      const out = join(d, "o.jsonl");
      writeFileSync(out, "old\n");
      const r = await run(["synth", docsCsv(d, 40), ...openai(s), "--cache", join(t.dir, "c.jsonl"), "--concurrency", "1", "-o", out]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/cannot write the reply cache .*c\.jsonl: (no space left on device|a short write)/);
      expect(r.stderr).not.toMatch(/teacher-error/);
      expect(readFileSync(out, "utf8")).toBe("old\n");
    } finally {
      t.unmount();
    }
  });
});

describe("teacher replies are decoded strictly", () => {
  it("a reply whose bytes are not UTF-8, or that holds a lone surrogate, is refused for its document, never written", async () => {
    const s = await teacher({ faults: (_n, prompt) => (/Document 1:/.test(prompt) ? { kind: "bad-utf8" } : /Document 2:/.test(prompt) ? { kind: "surrogate" } : undefined) });
    const d = tmp();
    const out = join(d, "o.jsonl");
    const r = await run(["synth", docsCsv(d, 4), ...openai(s), "--no-cache", "-o", out, "--rejects", join(d, "rej.jsonl")], { env: { PREP_DATA_TEACHER_BACKOFF_MS: "10" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/docs\.csv:3: teacher-error: the reply is not valid UTF-8/);
    expect(r.stderr).toMatch(/docs\.csv:4: encoding: the teacher's reply holds a lone surrogate/);
    const text = readFileSync(out, "utf8");
    expect(text).not.toContain("\ufffd");
    expect(text).not.toMatch(/\\ud800/i);
    expect(lines(text)).toHaveLength(6);
    expect(s.seen.filter((x) => /Document 1:/.test(x.prompt))).toHaveLength(1); // not retried
  });

  it("the same on Bedrock's Converse: the SDK decoded invalid bytes to U+FFFD and the damaged pairs were written", async () => {
    const s = await teacher({ faults: (_n, prompt) => (/Document 1:/.test(prompt) ? { kind: "bad-utf8" } : undefined) });
    const d = tmp();
    const out = join(d, "o.jsonl");
    const r = await run(["synth", docsCsv(d, 3), "--teacher", "bedrock:anthropic.claude-3-haiku-20240307-v1:0", "--no-cache", "-o", out], { env: { PREP_DATA_TEACHER_BACKOFF_MS: "10", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "not-a-secret", AWS_ENDPOINT_URL_BEDROCK_RUNTIME: s.url } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/docs\.csv:3: teacher-error: the reply is not valid UTF-8/);
    const text = readFileSync(out, "utf8");
    expect(text).not.toContain("\ufffd");
    expect(lines(text)).toHaveLength(6);
  });
});

describe("synth --batch-input", () => {
  it("with no usable document writes nothing and leaves an existing batch file as it was (exit 3)", async () => {
    const d = tmp();
    const csv = join(d, "docs.csv");
    writeFileSync(csv, "document,question,answer\na,b,c,d\n");
    const batch = join(d, "batch.jsonl");
    writeFileSync(batch, "old batch\n");
    const r = await run(["synth", csv, "--teacher", "bedrock:anthropic.claude-3-haiku-20240307-v1:0", "--batch-input", batch]);
    expect(r.code).toBe(3);
    expect(readFileSync(batch, "utf8")).toBe("old batch\n");
  });
});

import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { prose, writePdf } from "../helpers/pdf.js";
import { lines, ROOT, run, tmp } from "../helpers/run.js";
import { openai, teacher } from "../helpers/teachers.js";

describe("no hang", () => {
  it("synth without --rejects finishes when the teacher's replies are short (the drain loop spun for ever)", async () => {
    const s = await teacher({ faults: () => ({ kind: "short" }) });
    const d = tmp();
    writeFileSync(join(d, "docs.csv"), "document\n" + Array.from({ length: 4 }, (_, i) => `"Document ${i}: words about rivers and hills for the teacher."`).join("\n") + "\n");
    const r = await run(["synth", join(d, "docs.csv"), ...openai(s), "--no-cache", "-o", join(d, "o.jsonl")], { env: { PREP_DATA_TEACHER_BACKOFF_MS: "10" } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/teacher-short/);
    expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toHaveLength(8);
  });

  it("a symlink loop under a folder input: text and pdf read each file once and say which links were not walked", async () => {
    const d = tmp();
    const root = join(d, "docs");
    mkdirSync(join(root, "sub"), { recursive: true });
    writeFileSync(join(root, "a.txt"), "Some words in a file for the loop test here.\n");
    writeFileSync(join(root, "sub", "b.md"), "Other words in another file under sub.\n");
    await writePdf(join(root, "c.pdf"), [prose(["A page of words in a PDF under the same folder."])]);
    symlinkSync(".", join(root, "self"));
    symlinkSync("..", join(root, "sub", "up"));
    symlinkSync("a.txt", join(root, "alias.txt"));
    symlinkSync("sub", join(root, "linked.md")); // a link to a folder that the glob names
    const t = await run(["text", root, "--format", "text", "-o", join(d, "t.jsonl")]);
    expect(t.code, t.stderr).toBe(0);
    expect(lines(readFileSync(join(d, "t.jsonl"), "utf8"))).toHaveLength(3); // a.txt, sub/b.md and c.pdf, once each
    expect(t.stderr).toMatch(/alias\.txt is the same file as .*a\.txt .*read once/);
    expect(t.stderr).toMatch(/linked\.md is a link to a folder: not walked/);
    const p = await run(["pdf", root, "--engine", "pdfjs", "--format", "text", "-o", join(d, "p.jsonl")]);
    expect(p.code, p.stderr).toBe(0);
    expect(lines(readFileSync(join(d, "p.jsonl"), "utf8"))).toHaveLength(1);
  });

  it("a teacher that sends headers then a byte now and then, or nothing, or cuts the body: --request-timeout ends each attempt, retried, then a finding (both protocols)", async () => {
    // Document 0 trickles (one byte every 300 ms: the whole reply would take minutes), 1 stalls, 2 is cut mid-body, 3 is fine.
    const kinds = ["slow-body", "stall", "cut"] as const;
    const s = await teacher({ faults: (_n, prompt) => { const k = kinds[Number(/Document (\d+):/.exec(prompt)?.[1] ?? 9)]; return k ? { kind: k, byteEveryMs: 300 } : undefined; } });
    const d = tmp();
    writeFileSync(join(d, "docs.csv"), "document\n" + Array.from({ length: 4 }, (_, i) => `"Document ${i}: words about rivers and hills for the teacher."`).join("\n") + "\n");
    const env = { PREP_DATA_TEACHER_BACKOFF_MS: "10", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "not-a-secret", AWS_ENDPOINT_URL_BEDROCK_RUNTIME: s.url };
    for (const backend of [openai(s), ["--teacher", "bedrock:anthropic.claude-3-haiku-20240307-v1:0"]]) {
      const t0 = Date.now();
      const r = await run(["synth", join(d, "docs.csv"), ...backend, "--retries", "1", "--request-timeout", "2s", "--no-cache", "-o", join(d, "o.jsonl")], { env });
      const took = Date.now() - t0;
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stderr).toMatch(/docs\.csv:2: teacher-error: no complete reply within 2 s \(--request-timeout\) \(after 2 attempts\)/);
      expect(r.stderr).toMatch(/docs\.csv:3: teacher-error: no complete reply within 2 s \(--request-timeout\) \(after 2 attempts\)/);
      expect(r.stderr).toMatch(/docs\.csv:4: teacher-error: the connection was cut mid-reply.*\(after 2 attempts\)/);
      expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toHaveLength(3);
      expect(took).toBeLessThan(15_000); // two attempts of 2 s each, in parallel
    }
  }, 60_000);

  it("--request-timeout takes a duration; 0 or words are usage errors", async () => {
    const d = tmp();
    writeFileSync(join(d, "docs.csv"), "document\nx\n");
    for (const v of ["0", "soon", "-1"]) {
      const r = await run(["synth", join(d, "docs.csv"), "--teacher", "openai:x", "--base-url", "http://127.0.0.1:9/v1", "--request-timeout", v, "-o", join(d, "o.jsonl")]);
      expect(r.code, v).toBe(2);
      expect(r.stderr).toMatch(/--request-timeout.*(expected seconds or a duration|must be more than 0)/);
    }
  });

  it("job wait --interval takes seconds or 30s/5m/1h; anything else is a usage error (NaN polled ~150 times a second)", async () => {
    for (const bad of ["30q", "abc", "0", "-5"]) {
      const r = await run(["job", "wait", "x", "--interval", bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/--interval/);
    }
  });
});

describe("HTML is read in bounded time and memory", () => {
  it("elements nested 400,000 deep are read as browsers do (deeper than 512 become siblings, said once); no text is lost", async () => {
    const d = tmp();
    const depth = 400_000;
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
    writeFileSync(join(d, "deep.html"), `<html><body><p>Start of the page.</p>${"<div>".repeat(depth)}${words}${"</div>".repeat(depth)}<script>var hidden = 1;</script><p>End of the page.</p></body></html>`);
    const r = await run(["text", join(d, "deep.html"), "--format", "text", "-o", join(d, "o.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/deep\.html: html-depth: elements nested deeper than 512 .* read as siblings/);
    const text = (lines(readFileSync(join(d, "o.jsonl"), "utf8")) as { text: string }[]).map((x) => x.text).join("\n");
    expect(text).toMatch(/^Start of the page\./);
    expect(text).toContain("word0 word1");
    expect(text).toContain("word199");
    expect(text).toMatch(/End of the page\.$/);
    expect(text).not.toContain("hidden");
  }, 30_000);

  it("an 80 MB text node and 4 million entities stay within a 100 MB heap (40 MB aborted it): paragraphs are cut at 1 Mi characters", async () => {
    const d = tmp();
    const { openSync, writeSync, closeSync } = await import("node:fs");
    const fd = openSync(join(d, "big.html"), "w");
    writeSync(fd, "<html><body><p>");
    const line = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ".repeat(13000); // ~1 MB
    for (let i = 0; i < 80; i++) writeSync(fd, line);
    writeSync(fd, "</p><p>" + "&amp;".repeat(4_000_000) + "</p></body></html>");
    closeSync(fd);
    const r = await run(["text", join(d, "big.html"), "--format", "text", "-q", "-o", join(d, "o.jsonl")], { env: { NODE_OPTIONS: "--max-old-space-size=100" } });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const recs = lines(readFileSync(join(d, "o.jsonl"), "utf8")) as { text: string }[];
    const total = recs.reduce((a, x) => a + x.text.length, 0);
    expect(total).toBeGreaterThan(80 * line.length * 0.9);
    expect(recs.some((x) => x.text.includes("&&&&&&&&"))).toBe(true);
  }, 120_000);
});

describe("PDF extraction is bounded in memory on both engines", () => {
  it("poppler runs under --max-extract-mb: a form drawn 50 times (which grew pdftotext to 6.8 GB) is a pdf-limit finding, not a fallback; the other file is written", async () => {
    const d = tmp();
    const { writeFormBomb } = await import("../helpers/pdf-bombs.js");
    writeFormBomb(join(d, "form.pdf"), 2, 50);
    await writePdf(join(d, "good.pdf"), [prose(["A page of ordinary words in a well made document for the test."])]);
    const r = await run(["pdf", join(d, "form.pdf"), join(d, "good.pdf"), "--engine", "poppler", "--max-extract-mb", "200", "--format", "text", "-o", join(d, "o.jsonl")], { env: { PREP_DATA_PDFTOTEXT: undefined } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/form\.pdf: pdf-limit: pdftotext needed more than 200 MiB of memory \(--max-extract-mb\)/);
    expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toHaveLength(1);
  }, 60_000);

  it("poppler: a page of more text than --max-page-chars is counted as pdftotext streams it: the page and the option are named", async () => {
    const d = tmp();
    const { writeContentsArrayBomb } = await import("../helpers/pdf-bombs.js");
    writeContentsArrayBomb(join(d, "arr.pdf"), 4, 0.3);
    const r = await run(["pdf", join(d, "arr.pdf"), "--engine", "poppler", "--max-page-chars", "10000", "--format", "text", "-o", join(d, "o.jsonl")], { env: { PREP_DATA_PDFTOTEXT: undefined } });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/arr\.pdf: pdf-limit: page 1 has more than 10,000 characters of text \(--max-page-chars\)/);
  }, 60_000);

  it("pdf.js: pages whose text is still streaming when --page-timeout ends them are a pdf-limit finding, not a crash (Controller is already closed)", async () => {
    const d = tmp();
    const { writeTextBombPages } = await import("../helpers/pdf-bombs.js");
    writeTextBombPages(join(d, "pages.pdf"), 64, 16);
    await writePdf(join(d, "good.pdf"), [prose(["A page of ordinary words in a well made document for the test."])]);
    for (const jobs of ["1", "2"]) {
      const r = await run(["pdf", join(d, "pages.pdf"), join(d, "good.pdf"), "--engine", "pdfjs", "-j", jobs, "--page-timeout", "1", "--format", "text", "-o", join(d, "o.jsonl")]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(/ERR_INVALID_STATE|internal error|\n\s+at /);
      expect(r.stderr).toMatch(/pages\.pdf page \d+: pdf-limit: page \d+ (took longer than 1 s \(--page-timeout\)|has more than 2,000,000 characters)/);
      expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toHaveLength(1);
      expect(readdirSync(d).filter((f) => f.includes(".tmp"))).toEqual([]);
    }
  }, 120_000);

  it("a page's cost is counted before either engine opens the file: streams summed, forms times their uses; real documents pass", async () => {
    const d = tmp();
    const { writeFormBomb, writeContentsArrayBomb } = await import("../helpers/pdf-bombs.js");
    const { costlyPage } = await import("../../src/pdf/page-cost.js");
    const mb = 1024 * 1024;
    writeFormBomb(join(d, "form.pdf"), 2, 50); // one 2 MB form drawn 50 times: ~100 MB
    writeContentsArrayBomb(join(d, "arr.pdf"), 12, 2); // one 2 MB stream listed 12 times: ~24 MB
    expect(costlyPage(readFileSync(join(d, "form.pdf")), 16 * mb)).toMatchObject({ page: 1 });
    expect(costlyPage(readFileSync(join(d, "arr.pdf")), 16 * mb)).toMatchObject({ page: 1 });
    expect(costlyPage(readFileSync(join(d, "form.pdf")), 256 * mb)).toBeUndefined(); // within the default
    await writePdf(join(d, "good.pdf"), [prose(["A page of ordinary words."]), prose(["Another page of words."])]);
    expect(costlyPage(readFileSync(join(d, "good.pdf")), 1024)).toBeUndefined();
    for (const f of readdirSync(join(ROOT, "fixtures", "pdf"))) expect(costlyPage(readFileSync(join(ROOT, "fixtures", "pdf", f)), 1 * mb), f).toBeUndefined();
    for (const engine of ["pdfjs", "poppler"]) {
      const r = await run(["pdf", join(d, "form.pdf"), join(d, "arr.pdf"), join(d, "good.pdf"), "--engine", engine, "--max-stream-mb", "16", "--format", "text", "-o", join(d, "o.jsonl")], { env: { PREP_DATA_PDFTOTEXT: undefined } });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/form\.pdf page 1: pdf-limit: page 1 draws more than 16 MiB of content/);
      expect(r.stderr).toMatch(/arr\.pdf page 1: pdf-limit: page 1 draws more than 16 MiB of content/);
      expect(lines(readFileSync(join(d, "o.jsonl"), "utf8"))).toHaveLength(1);
    }
  }, 60_000);

  it("a document of 2 MiB or more is checked in a thread of its own (its memory goes when the thread ends), with the same answer as in this thread", async () => {
    const d = tmp();
    const { writeFormBomb } = await import("../helpers/pdf-bombs.js");
    const { bombCheck, bombIn, BOMB_THREAD_BYTES } = await import("../../src/pdf/bomb.js");
    const mb = 1024 * 1024;
    writeFormBomb(join(d, "form.pdf"), 2, 50);
    // The same bomb made large by comment lines after the header (the check reads objects, not offsets).
    const raw = readFileSync(join(d, "form.pdf"));
    const header = raw.indexOf(10) + 1;
    const padded = Buffer.concat([raw.subarray(0, header), Buffer.from(`%${"x".repeat(1000)}\n`.repeat(2200)), raw.subarray(header)]);
    expect(raw.length).toBeLessThan(BOMB_THREAD_BYTES);
    expect(padded.length).toBeGreaterThanOrEqual(BOMB_THREAD_BYTES);
    const inThread = bombIn(padded, 16 * mb);
    expect(inThread).toMatchObject({ page: 1 });
    expect(await bombCheck(padded, 16 * mb)).toEqual(inThread);
    expect(await bombCheck(padded, 256 * mb)).toBeUndefined();
    // Through the CLI: the large file refused by the thread's answer, its page named.
    writeFileSync(join(d, "big.pdf"), padded);
    const r = await run(["pdf", join(d, "big.pdf"), "--engine", "pdfjs", "--max-stream-mb", "16", "--format", "text", "-o", join(d, "o.jsonl")]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/big\.pdf page 1: pdf-limit: page 1 draws more than 16 MiB of content/);
  }, 60_000);

  it("--max-extract-mb takes a whole number of MiB", async () => {
    const r = await run(["pdf", "x.pdf", "--max-extract-mb", "lots"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-extract-mb must be a whole number/);
  });
});

describe("one line, not a stack trace", () => {
  it("synth --cache in a missing folder or naming a folder; job create --submit without a region", async () => {
    const s = await teacher();
    const d = tmp();
    writeFileSync(join(d, "docs.csv"), "document\nA short document.\n");
    for (const cache of [join(d, "nodir", "c.jsonl"), d]) {
      const r = await run(["synth", join(d, "docs.csv"), ...openai(s), "--cache", cache, "-o", join(d, "o.jsonl")]);
      expect(r.code, cache).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const j = await run(["job", "create", "--model", "nova-lite", "--train", "s3://bucket/t.jsonl", "--output", "s3://bucket/o/", "--role-arn", "arn:aws:iam::123456789012:role/R", "--name", "j", "--submit"], { env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", AWS_PROFILE: undefined } });
    expect(j.code).toBe(3);
    expect(j.stderr.trim().split("\n").at(-1)).toBe("prep-data: CreateModelCustomizationJob: no AWS region: set AWS_REGION (or a region for the profile in ~/.aws/config)");
  });
});

describe("every reply shape is a finding for its document only", () => {
  it("nested 10,000 deep, content 12345 or null, an HTML page, 10,000 pairs for --pairs 3: findings, the run goes on; a cache entry of another shape is asked again", async () => {
    const kinds = ["nested", "number", "null", "html", "long"] as const;
    const s = await teacher({ faults: (_n, prompt) => ({ kind: kinds[Number(/Document (\d+):/.exec(prompt)?.[1] ?? 9)] ?? ("none" as never) }) });
    const d = tmp();
    writeFileSync(join(d, "docs.csv"), "document\n" + Array.from({ length: 6 }, (_, i) => `"Document ${i}: words about rivers and hills for the teacher."`).join("\n") + "\n");
    const out = join(d, "o.jsonl");
    const cache = join(d, "c.jsonl");
    const r = await run(["synth", join(d, "docs.csv"), ...openai(s), "--retries", "1", "--cache", cache, "-o", out], { env: { PREP_DATA_TEACHER_BACKOFF_MS: "10" } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr).toMatch(/docs\.csv:2: teacher-parse: no question\/answer pair/);
    expect(r.stderr).toMatch(/docs\.csv:3: teacher-error: the reply's content is number, not text/);
    expect(r.stderr).toMatch(/docs\.csv:4: teacher-parse: no question\/answer pair could be read from the reply \(0 characters\)/); // null content: an empty reply
    expect(r.stderr).toMatch(/docs\.csv:5: teacher-error: the server answered .* not a chat completion \(after 2 attempts\)/);
    expect(r.stderr).toMatch(/docs\.csv:6: teacher-long: the reply has 10000 usable pairs, 3 were asked for/);
    // Document 5 (none) gives 3, the long one 3: nothing else.
    expect(lines(readFileSync(out, "utf8"))).toHaveLength(6);
    // A cache entry of another shape is not a reply: asked again.
    const before = s.seen.length;
    writeFileSync(cache, readFileSync(cache, "utf8").replace(/"reply":\{"text":"[^"]*"/, '"reply":{"text":12345'));
    const again = await run(["synth", join(d, "docs.csv"), ...openai(s), "--retries", "0", "--cache", cache, "-o", out], { env: { PREP_DATA_TEACHER_BACKOFF_MS: "10" } });
    expect(again.stderr).not.toMatch(/internal error/);
    expect(s.seen.length).toBeGreaterThan(before);
  });
});

describe("no secret printed", () => {
  it("a gateway echoing the Authorization header: the key is masked on stderr and in --report; a password in HF_ENDPOINT is not printed", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((q, r) => {
      r.writeHead(401, { "content-type": "application/json" });
      r.end(JSON.stringify({ error: { message: `bad key: ${q.headers.authorization}`, type: "invalid_api_key" } }));
    });
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    const port = (server.address() as { port: number }).port;
    try {
      const d = tmp();
      writeFileSync(join(d, "d.csv"), "document\nhello world doc\n");
      const key = "sk-test-0123456789abcdef";
      const r = await run(["synth", join(d, "d.csv"), "--teacher", "openai:x", "--base-url", `http://127.0.0.1:${port}/v1`, "--no-cache", "-o", join(d, "o.jsonl"), "--report", join(d, "rep.json")], { env: { OPENAI_API_KEY: key } });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/bad key: Bearer \*\*\*/);
      expect(r.stderr).not.toContain(key);
      expect(readFileSync(join(d, "rep.json"), "utf8")).not.toContain(key);
      const h = await run(["hf", "a/b", "--prompt", "{q}", "--completion", "{a}", "-o", join(d, "x.jsonl")], { env: { HF_ENDPOINT: "http://user:PASSWORD123@127.0.0.1:9" } });
      expect(h.code).toBe(3);
      expect(h.stderr).not.toContain("PASSWORD123");
    } finally {
      server.close();
    }
  });
});

describe("shard settings are never guessed", () => {
  it("a non-number index, two engines' variables at once, and counts past six digits are usage errors; 6-digit counts name shards merge finds", async () => {
    const d = tmp();
    writeFileSync(join(d, "q.csv"), "q,a\n1,2\n3,4\n");
    const base = ["csv", join(d, "q.csv"), "--prompt", "{q}", "--completion", "{a}", "-o", join(d, "train.jsonl")];
    const abc = await run(base, { env: { AWS_BATCH_JOB_ARRAY_INDEX: "abc", AWS_BATCH_JOB_ARRAY_SIZE: "2" } });
    expect(abc.code).toBe(2);
    expect(abc.stderr).toMatch(/AWS_BATCH_JOB_ARRAY_INDEX=abc: expected a whole number/);
    const both = await run(base, { env: { AWS_BATCH_JOB_ARRAY_INDEX: "0", AWS_BATCH_JOB_ARRAY_SIZE: "2", SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2" } });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/AWS_BATCH_JOB_ARRAY_INDEX and SLURM_ARRAY_TASK_ID are all set/);
    expect((await run([...base, "--shard", "1/1000000000000000000000"])).code).toBe(2);
    const big = await run([...base, "--shard", "0/100000"]);
    expect(big.code, big.stderr).toBe(0);
    expect(existsSync(join(d, "train-000000-of-100000.jsonl"))).toBe(true);
    expect(existsSync(join(d, "train-000000-of-100000.manifest.json"))).toBe(true);
  });
});

describe("shuffle's temp folder", () => {
  it("a missing TMPDIR, or a full one, is one line with exit 3, not an internal error; the output is left as it was", async () => {
    const d = tmp();
    const f = join(d, "big.jsonl");
    writeFileSync(f, Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ prompt: `question number ${i} ${"x".repeat(60)}`, completion: `answer ${i}` })).join("\n") + "\n");
    const out = join(d, "out.jsonl");
    writeFileSync(out, "old\n");
    const r = await run(["shuffle", f, "--bucket-mb", "1", "-o", out], { env: { TMPDIR: join(d, "no-such-dir") } });
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toMatch(/^prep-data: cannot make a temp folder for the shuffle in .*no-such-dir: .*set TMPDIR/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(readFileSync(out, "utf8")).toBe("old\n");
    const { canMountDisk, tinyDisk } = await import("../helpers/disk.js");
    if (!canMountDisk("shuffle full-TMPDIR case")) return;
    const t = tinyDisk("1m")!;
    try {
      const full = await run(["shuffle", f, "--bucket-mb", "1", "-o", out], { env: { TMPDIR: t.dir } });
      expect(full.code).toBe(3);
      expect(full.stderr.trim()).toMatch(/^prep-data: cannot spill the shuffle to .*: no space left on device/);
      expect(readFileSync(out, "utf8")).toBe("old\n");
    } finally {
      t.unmount();
    }
  });

  it("spill folders a killed run left are removed by the next spilling run when their process is gone; a live run's and another namespace's recent ones stay", async () => {
    const d = tmp();
    const tmpd = join(d, "t");
    mkdirSync(tmpd);
    const ns = /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))![1];
    const dead = join(tmpd, `prep-data-shuffle-4194305-${ns}-aB3xYz`); // no such process here
    const live = join(tmpd, `prep-data-shuffle-${process.pid}-${ns}-aB3xYz`);
    const foreign = join(tmpd, "prep-data-shuffle-4194305-4026599999-aB3xYz");
    for (const f of [dead, live, foreign]) {
      mkdirSync(f);
      writeFileSync(join(f, "b0"), "spilled records\n");
    }
    const f = join(d, "big.jsonl");
    writeFileSync(f, Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ prompt: `question number ${i} ${"x".repeat(60)}`, completion: `answer ${i}` })).join("\n") + "\n");
    const r = await run(["shuffle", f, "--bucket-mb", "1", "-q", "-o", join(d, "o.jsonl")], { env: { TMPDIR: tmpd } });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(tmpd).sort()).toEqual([basename(foreign), basename(live)].sort());
  });

  it("holds at most about --bucket-mb: 450,000 short records shuffle with --bucket-mb 8 in a 32 MB heap (each held record's overhead was not counted)", async () => {
    const d = tmp();
    const f = join(d, "short.jsonl");
    writeFileSync(f, Array.from({ length: 450_000 }, (_, i) => JSON.stringify({ prompt: `q${i}`, completion: `a${i}` })).join("\n") + "\n");
    const r = await run(["shuffle", f, "--bucket-mb", "8", "-q", "-o", join(d, "o.jsonl")], { env: { NODE_OPTIONS: "--max-old-space-size=32" } });
    expect(r.code, r.stderr.slice(-500)).toBe(0);
    expect(readFileSync(join(d, "o.jsonl"), "utf8").split("\n").filter(Boolean)).toHaveLength(450_000);
  }, 60_000);
});

import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonLine, openSink } from "../../src/index.js";
import { BIN, ROOT, run, tmp } from "../helpers/run.js";
import { canMountDisk, tinyDisk } from "../helpers/disk.js";

/** A folder holding a two-line CSV input. */
function csvInput(): { dir: string; input: string } {
  const dir = tmp();
  const input = join(dir, "data.csv");
  writeFileSync(input, "q,a\n1,2\n");
  return { dir, input };
}

describe("JSONL writer", () => {
  it("writes UTF-8 as is and escapes only U+2028, U+2029 and U+0085", () => {
    const line = jsonLine({ input: "héllo 中文 😀 a\u2028b\u2029c\u0085d \"q\" \n" });
    expect(line).toBe('{"input":"héllo 中文 😀 a\\u2028b\\u2029c\\u0085d \\"q\\" \\n"}\n');
    expect(line.split(/\r\n|\r|\n|\u2028|\u2029|\u0085/).length).toBe(2);
    for (let i = 0; i < 3; i++) expect(jsonLine({ t: `x${"y".repeat(i * 10)}\u2028` })).toContain("\\u2028");
    expect(JSON.parse(line)).toEqual({ input: "héllo 中文 😀 a\u2028b\u2029c\u0085d \"q\" \n" });
  });

  it("writes exactly the records' JSON lines across batches, escapes, lines longer than a batch and every sink", async () => {
    // Lines of every size around the batch buffer (1 MiB, flushed at 256 KiB; a line's bound is 3 bytes per unit),
    // with the escaped characters at batch edges, multi-byte text and lone surrogates.
    const records: unknown[] = [];
    const sizes = [0, 1, 100, 5_000, 87_000, 180_000, 349_000, 350_000, 400_000, 1_200_000, 3, 262_000, 70_000];
    for (let i = 0; i < 300; i++) {
      const n = sizes[i % sizes.length]! + (i % 5);
      const unit = ["a", "é", "中", "😀", "\u2028", "\u0085", "\ud800", '"\n'][i % 8]!;
      records.push(i % 3 ? { prompt: `${i} ${unit.repeat(Math.ceil(n / unit.length) / 8)}\u2029`, completion: unit.repeat(3) } : { input: unit + "x".repeat(n) + unit });
    }
    const expected = records.map(jsonLine).join("");
    const dir = tmp();
    const file = openSink(join(dir, "out.jsonl"));
    for (const r of records) await file.write(r);
    await file.close();
    const got = readFileSync(join(dir, "out.jsonl"), "utf8");
    expect(got.length).toBe(expected.length);
    expect(got === expected).toBe(true);
    expect(file.bytes).toBe(statSync(join(dir, "out.jsonl")).size);
    // The same bytes through a file written in place (a FIFO-like target) and through standard output.
    const fifo = spawnSync("mkfifo", [join(dir, "pipe")]);
    expect(fifo.status).toBe(0);
    const reader = spawn("cat", [join(dir, "pipe")]);
    const chunks: Buffer[] = [];
    reader.stdout.on("data", (c: Buffer) => chunks.push(c));
    const direct = openSink(join(dir, "pipe"));
    for (const r of records) await direct.write(r);
    await direct.close();
    await new Promise((res) => reader.on("close", res));
    expect(Buffer.concat(chunks).toString("utf8") === expected).toBe(true);
  });

  it("a write that fails while the next batch is built fails the run with the output's name", async () => {
    const sink = openSink("/dev/full");
    const big = { input: "x".repeat(300_000) };
    const err = await (async () => {
      for (let i = 0; i < 10; i++) await sink.write(big);
      await sink.close();
    })().catch((e: Error) => e);
    expect(String((err as Error)?.message)).toBe("cannot write /dev/full: no space left on device (ENOSPC)");
  });

  it("commits by rename on close and leaves nothing on abort", async () => {
    const dir = tmp();
    const ok = openSink(join(dir, "ok.jsonl"));
    await ok.write({ a: 1 });
    expect(readdirSync(dir)).not.toContain("ok.jsonl");
    await ok.close();
    expect(readFileSync(join(dir, "ok.jsonl"), "utf8")).toBe('{"a":1}\n');
    const bad = openSink(join(dir, "bad.jsonl"));
    await bad.write({ a: 2 });
    await bad.abort();
    expect(readdirSync(dir)).toEqual(["ok.jsonl"]);
  });

  it("refuses to overwrite one of its inputs", async () => {
    const { input } = csvInput();
    const r = await run(["csv", input, "--prompt", "{q}", "--completion", "{a}", "-o", input]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("it is one of this run's inputs");
    expect(readFileSync(input, "utf8")).toBe("q,a\n1,2\n");
  });

  it("leaves no output and no temp file when interrupted with Ctrl-C", async () => {
    const dir = tmp();
    const out = join(dir, "out.jsonl");
    const child = spawn(process.execPath, [BIN, "csv", "-", "--prompt", "{q}", "--completion", "{a}", "-o", out], { cwd: ROOT });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.on("error", () => undefined);
    child.stdin.write("q,a\n" + "hello,world\n".repeat(200_000));
    // Input is still open, so the run is mid-way: records are buffered in the temp file.
    await new Promise((r) => setTimeout(r, 1500));
    expect(readdirSync(dir).some((f) => f.includes(".prep-data-tmp-"))).toBe(true);
    const code = await new Promise<number | null>((resolve) => {
      child.on("close", (c, sig) => resolve(c ?? (sig ? 130 : null)));
      child.kill("SIGINT");
    });
    expect(code, stderr).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("output targets", () => {
  it("-o naming a folder, or two outputs naming one file, is a usage error before any work", async () => {
    const { dir, input } = csvInput();
    const d = await run(["csv", input, "--prompt", "{q}", "--completion", "{a}", "-o", dir]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain("is a directory");
    expect(d.stderr).not.toContain("    at ");
    const same = await run(["csv", input, "--prompt", "{q}", "--completion", "{a}", "-o", join(dir, "o.jsonl"), "--validation-fraction", "0.5", "--validation-output", join(dir, "o.jsonl")]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain("name the same file");
    expect(readdirSync(dir)).toEqual(["data.csv"]);
  });

  it("writes a special file such as /dev/null in place (never replaced by a regular file)", async () => {
    const dir = tmp();
    const input = join(dir, "data.csv");
    writeFileSync(input, "q,a\n1,2\n");
    const r = await run(["csv", input, "--prompt", "{q}", "--completion", "{a}", "-o", "/dev/null"]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  it("removes temp files a killed run left for the same output", async () => {
    const dir = tmp();
    const input = join(dir, "data.csv");
    writeFileSync(input, "q,a\n1,2\n");
    // pid 2^22+1 is above Linux's pid_max default: no such process.
    writeFileSync(join(dir, ".out.jsonl.prep-data-tmp-4194305-deadbeef"), "half");
    const r = await run(["csv", input, "--prompt", "{q}", "--completion", "{a}", "-o", join(dir, "out.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["data.csv", "out.jsonl"]);
  });

  it("a temp file from another PID namespace (another container on a shared volume) is left while it is recent, removed once a day old", async () => {
    const dir = tmp();
    const input = join(dir, "data.csv");
    writeFileSync(input, "q,a\n1,2\n");
    // pid 4194305 is not visible here; in its own namespace (another container) it is a live run.
    const foreign = join(dir, ".out.jsonl.prep-data-tmp-4194305-deadbeef-4026599999");
    writeFileSync(foreign, "another container's records so far");
    const r = await run(["csv", input, "--prompt", "{q}", "--completion", "{a}", "-o", join(dir, "out.jsonl")]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(foreign, "utf8")).toBe("another container's records so far");
    const old = new Date(Date.now() - 25 * 3600 * 1000);
    utimesSync(foreign, old, old);
    const again = await run(["csv", input, "--prompt", "{q}", "--completion", "{a}", "-o", join(dir, "out.jsonl")]);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(foreign)).toBe(false);
  });

  it("when this run's temp file is removed under it, the run says so (exit 3) and the output is left as it was", async () => {
    const dir = tmp();
    const out = join(dir, "out.jsonl");
    writeFileSync(out, "previous\n");
    const child = spawn(process.execPath, [BIN, "csv", "-", "--prompt", "{q}", "--completion", "{a}", "-o", out]);
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    child.stdin.write("q,a\n1,2\n");
    let temp: string | undefined;
    for (let i = 0; i < 100 && !temp; i++) {
      await new Promise((r) => setTimeout(r, 50));
      temp = readdirSync(dir).find((f) => f.includes(".prep-data-tmp-"));
    }
    expect(temp).toBeDefined();
    unlinkSync(join(dir, temp!));
    child.stdin.end("3,4\n");
    const code = await new Promise((r) => child.on("close", r));
    expect(code).toBe(3);
    expect(stderr).toMatch(/the temp file .* was removed by another process while this run wrote it/);
    expect(readFileSync(out, "utf8")).toBe("previous\n");
  });
});

const disk = canMountDisk("disk-full test");

describe.skipIf(!disk)("a full disk", () => {
  it("fails the run naming the output and the OS reason; the existing file is untouched and no temp file is left", async () => {
    const t = tinyDisk()!;
    try {
      // 800 chat lines of ~300 bytes (~246 KB) onto a disk with ~100 KB left: the final flush fails.
      writeFileSync(join(t.dir, "filler"), Buffer.alloc(1_945_000));
      const out = join(t.dir, "out.jsonl");
      writeFileSync(out, "old\n");
      const src = join(tmp(), "small.jsonl");
      writeFileSync(src, Array.from({ length: 800 }, (_, i) => JSON.stringify({ messages: [{ role: "user", content: `question number ${i} ${"x".repeat(200)}` }, { role: "assistant", content: `answer ${i}` }] })).join("\n") + "\n");
      const r = await run(["convert", src, "--to", "messages", "-o", out]);
      expect(r.code).toBe(3);
      expect(r.stderr.trim()).toBe(`prep-data: cannot write ${out}: no space left on device (ENOSPC)`);
      expect(readFileSync(out, "utf8")).toBe("old\n");
      expect(readdirSync(t.dir).sort()).toEqual(["filler", "out.jsonl"]);
      // The same for a second output of the run.
      const train = join(tmp(), "train.jsonl");
      const v = await run(["convert", src, "--to", "messages", "-o", train, "--validation-fraction", "0.9", "--validation-output", join(t.dir, "val.jsonl")]);
      expect(v.code).toBe(3);
      expect(v.stderr).toContain(`cannot write ${join(t.dir, "val.jsonl")}: no space left on device (ENOSPC)`);
      expect(readdirSync(t.dir).sort()).toEqual(["filler", "out.jsonl"]);
      expect(existsSync(train)).toBe(false); // neither output is committed when one fails
      // Records on stdout redirected to the full disk (`> file`): one line, exit 3, no stack trace.
      const fd = openSync(join(t.dir, "redirected.jsonl"), "w");
      const child = spawn(process.execPath, [BIN, "convert", src, "--to", "messages"], { stdio: ["ignore", fd, "pipe"] });
      closeSync(fd);
      let err = "";
      child.stderr.on("data", (c) => (err += c));
      const code = await new Promise<number | null>((res) => child.on("close", res));
      expect(code).toBe(3);
      expect(err.trim()).toBe("prep-data: cannot write stdout: no space left on device (ENOSPC)");
    } finally {
      t.unmount();
    }
  });
});

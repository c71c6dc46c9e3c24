import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { WorkerChannel, WorkerGone } from "../../src/workers/channel.js";
import { tmp } from "../helpers/run.js";

// A worker that echoes, stays silent, exits, throws, or fills its heap, as asked.
const SCRIPT = `import { parentPort } from "node:worker_threads";
parentPort.on("message", (m) => {
  if (m.op === "echo") parentPort.postMessage({ id: m.id, v: m.v });
  else if (m.op === "note") parentPort.postMessage({ note: m.v });
  else if (m.op === "exit") process.exit(7);
  else if (m.op === "throw") setTimeout(() => { throw new Error("boom"); });
  else if (m.op === "hog") { const a = []; for (;;) a.push(new Array(1e5).fill(m.id)); }
});
`;

type Reply = { id?: number; v?: string; note?: string };

function start(limits?: { maxOldGenerationSizeMb: number }): WorkerChannel<Reply> {
  const f = join(tmp(), "w.mjs");
  writeFileSync(f, SCRIPT);
  const notes: string[] = [];
  const c = new WorkerChannel<Reply>(new Worker(f, limits ? { resourceLimits: limits } : {}), (r) => r.id, { what: "test thread", heapMb: limits?.maxOldGenerationSizeMb, other: (r) => void notes.push(r.note!) });
  (c as unknown as { notes: string[] }).notes = notes;
  return c;
}

describe("worker channel: no request waits on a thread that cannot answer", () => {
  it("answers each request by its key; other messages go to `other`", async () => {
    const c = start();
    const [a, b] = await Promise.all([c.ask(1, { op: "echo", id: 1, v: "one" }), c.ask(2, { op: "echo", id: 2, v: "two" })]);
    expect([a.v, b.v]).toEqual(["one", "two"]);
    c.tell({ op: "note", v: "hello" });
    await c.ask(3, { op: "echo", id: 3, v: "three" });
    expect((c as unknown as { notes: string[] }).notes).toEqual(["hello"]);
    await c.end();
  });

  it("a thread that exits rejects what waits on it and every later request at once, saying so", async () => {
    const c = start();
    const silent = c.ask(1, { op: "silent", id: 1 });
    const exit = c.ask(2, { op: "exit", id: 2 });
    await expect(silent).rejects.toThrow("the test thread ended (exit code 7) before it answered");
    await expect(exit).rejects.toBeInstanceOf(WorkerGone);
    await expect(c.ask(3, { op: "echo", id: 3, v: "late" })).rejects.toThrow(/ended \(exit code 7\)/);
    expect(c.gone?.memory).toBe(false);
  });

  it("an uncaught error in the thread is the reason given", async () => {
    const c = start();
    const silent = c.ask(1, { op: "silent", id: 1 });
    c.tell({ op: "throw" });
    await expect(silent).rejects.toThrow("the test thread failed: boom");
  });

  it("a thread over its heap ceiling is said to have run out of memory, with the ceiling", async () => {
    const c = start({ maxOldGenerationSizeMb: 16 });
    const err = await c.ask(1, { op: "hog", id: 1 }).catch((e: WorkerGone) => e);
    expect(err).toBeInstanceOf(WorkerGone);
    expect((err as WorkerGone).memory).toBe(true);
    expect((err as WorkerGone).message).toBe("the test thread ran out of memory (its heap ceiling is 16 MB)");
  }, 30_000);

  it("end() rejects what still waits, as ended", async () => {
    const c = start();
    const silent = c.ask(1, { op: "silent", id: 1 });
    await c.end();
    await expect(silent).rejects.toThrow("the test thread was ended");
  });
});

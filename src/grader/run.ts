import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { PrepError } from "../record.js";

/**
 * The grader runs in a child process, as Lambda would run it apart from prep-data: its own module scope, its console
 * output kept apart from the results (which come back on fd 3), and a batch that runs past the time limit killed
 * (the child is started again for the next batch).
 */
const RUNNER = `
import { createInterface } from "node:readline";
import { createWriteStream } from "node:fs";
import { pathToFileURL } from "node:url";
const out = createWriteStream(null, { fd: 3 });
const send = (o) => new Promise((r) => out.write(JSON.stringify(o) + "\\n", r));
let handler;
try {
  const mod = await import(pathToFileURL(process.argv[1]).href);
  handler = mod.handler ?? mod.lambda_handler ?? mod.default?.handler ?? mod.default;
  if (typeof handler !== "function") throw new Error("it exports no handler function (export const handler = async (event) => …)");
  await send({ ready: true });
} catch (e) {
  await send({ fatal: String(e?.message ?? e) });
  process.exit(0);
}
for await (const line of createInterface({ input: process.stdin })) {
  const t = performance.now();
  try {
    const result = await handler(JSON.parse(line), { functionName: "prep-data-grader-test", getRemainingTimeInMillis: () => 900000 });
    await send({ result: result === undefined ? null : result, ms: performance.now() - t });
  } catch (e) {
    await send({ error: String(e?.stack ?? e).split("\\n").slice(0, 3).join(" | "), ms: performance.now() - t });
  }
}
`;

/** A grader's entry file: a folder's index.mjs / index.js / index.cjs, or the file named. */
export function graderEntry(path: string): string {
  const p = resolve(path);
  if (!existsSync(p)) throw new PrepError(`${path}: no such grader (a folder with index.mjs, or the handler's file; prep-data grader init writes one)`, 2);
  if (statSync(p).isDirectory()) {
    for (const f of ["index.mjs", "index.js", "index.cjs"]) if (existsSync(join(p, f))) return join(p, f);
    throw new PrepError(`${path}: no index.mjs, index.js or index.cjs in this folder`, 2);
  }
  return p;
}

export type BatchOutcome = { result: unknown; ms: number } | { error: string; ms: number } | { timeout: number };

/** A grader process that answers batches one at a time. */
export class GraderProcess {
  private child?: ChildProcess;
  private lines: string[] = [];
  private waiting?: (line: string | undefined) => void;
  private buffered = "";
  /** What the grader printed (console.log / console.error), the last lines. */
  readonly logs: string[] = [];

  constructor(
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Start the grader; a module that does not load or exports no handler is an error naming it (exit 3). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ["--input-type=module", "-e", RUNNER, this.entry], { stdio: ["pipe", "pipe", "pipe", "pipe"], env: this.env });
    this.child = child;
    this.lines = [];
    this.buffered = "";
    const log = (d: Buffer) => {
      for (const l of d.toString("utf8").split("\n")) if (l.trim()) this.logs.push(l.slice(0, 500));
      if (this.logs.length > 50) this.logs.splice(0, this.logs.length - 50);
    };
    child.stdout!.on("data", log);
    child.stderr!.on("data", log);
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => {
      this.buffered += d.toString("utf8");
      let nl: number;
      while ((nl = this.buffered.indexOf("\n")) !== -1) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(line);
        } else this.lines.push(line);
      }
    });
    child.on("close", () => {
      if (this.child === child) this.child = undefined;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(undefined);
    });
    const first = await this.next(60_000);
    const msg = first === undefined ? undefined : (JSON.parse(first) as { ready?: boolean; fatal?: string });
    if (!msg?.ready) {
      this.stop();
      throw new PrepError(`${this.entry}: the grader did not load: ${msg?.fatal ?? (this.logs.slice(-3).join(" | ") || "the process ended")}`, 3);
    }
  }

  private next(ms: number): Promise<string | undefined> {
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    if (!this.child) return Promise.resolve(undefined);
    return new Promise((r) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        r("__timeout__");
      }, ms);
      this.waiting = (line) => {
        clearTimeout(timer);
        r(line);
      };
    });
  }

  /** Send one event (a list of samples); the handler's return, its error, or a timeout (the process is restarted). */
  async call(event: unknown, timeoutMs: number): Promise<BatchOutcome> {
    if (!this.child) await this.start();
    this.child!.stdin!.write(JSON.stringify(event) + "\n");
    const line = await this.next(timeoutMs);
    if (line === "__timeout__" || line === undefined) {
      this.stop();
      if (line === undefined) return { error: `the grader process ended${this.logs.length ? `: ${this.logs.slice(-2).join(" | ")}` : ""}`, ms: 0 };
      return { timeout: timeoutMs };
    }
    return JSON.parse(line) as BatchOutcome;
  }

  stop(): void {
    const c = this.child;
    this.child = undefined;
    c?.kill("SIGKILL");
  }
}

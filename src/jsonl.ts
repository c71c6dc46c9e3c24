import { randomBytes } from "node:crypto";
import { createWriteStream, realpathSync, statSync, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { PrepError } from "./record.js";

// JSON.stringify leaves these unescaped; several line splitters (JavaScript's, Python's str.splitlines) break on them.
const LINE_BREAKERS = /[\u2028\u2029\u0085]/g;
const HAS_LINE_BREAKER = /[\u2028\u2029\u0085]/;

/** One JSONL line (with its newline): UTF-8 as is, except U+2028, U+2029 and U+0085, which are escaped. */
export function jsonLine(record: unknown): string {
  const s = JSON.stringify(record);
  return (HAS_LINE_BREAKER.test(s) ? s.replace(LINE_BREAKERS, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) : s) + "\n";
}

/** Where records go. `close()` commits (renames the temp file); `abort()` removes every trace. */
export interface Sink {
  readonly path: string;
  write(record: unknown): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

const live = new Set<Sink>();
let handlersInstalled = false;

/** Ctrl-C or SIGTERM: remove every temp file still open, then exit like the signal would. */
function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      void Promise.allSettled([...live].map((s) => s.abort())).finally(() => {
        process.exit(sig === "SIGINT" ? 130 : sig === "SIGTERM" ? 143 : 129);
      });
    });
  }
}

const BATCH_BYTES = 1 << 16;

class StreamSink implements Sink {
  private buf: string[] = [];
  private bufLen = 0;
  private failed: Error | undefined;
  constructor(
    readonly path: string,
    protected readonly out: NodeJS.WritableStream,
  ) {
    out.on("error", (e: Error) => (this.failed = e));
  }
  async write(record: unknown): Promise<void> {
    const line = jsonLine(record);
    this.buf.push(line);
    this.bufLen += line.length;
    if (this.bufLen >= BATCH_BYTES) await this.flush();
  }
  protected async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.buf.length === 0) return;
    const chunk = this.buf.join("");
    this.buf = [];
    this.bufLen = 0;
    if (!this.out.write(chunk)) {
      await new Promise<void>((res, rej) => {
        const onDrain = () => (this.out.off("error", onErr), res());
        const onErr = (e: Error) => (this.out.off("drain", onDrain), rej(e));
        this.out.once("drain", onDrain);
        this.out.once("error", onErr);
      });
    }
  }
  async close(): Promise<void> {
    await this.flush();
  }
  async abort(): Promise<void> {
    this.buf = [];
  }
}

/** Writes `target` through a temp file beside it, renamed into place only when the run completes. */
class AtomicFileSink extends StreamSink {
  private done = false;
  constructor(
    readonly target: string,
    private readonly tmp: string,
    stream: WriteStream,
  ) {
    super(target, stream);
  }
  override async close(): Promise<void> {
    await this.flush();
    const ws = this.out as WriteStream;
    await new Promise<void>((res, rej) => {
      ws.once("error", rej);
      ws.end(() => res());
    });
    await rename(this.tmp, this.target);
    this.done = true;
    live.delete(this);
  }
  override async abort(): Promise<void> {
    live.delete(this);
    if (this.done) return;
    this.done = true;
    const ws = this.out as WriteStream;
    if (!ws.closed) {
      await new Promise<void>((res) => {
        ws.once("close", () => res());
        ws.destroy();
      });
    }
    await unlink(this.tmp).catch(() => undefined);
  }
}

function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

export interface OpenSinkOptions {
  /** Files the run reads: the output may not be one of them. */
  inputs?: string[];
}

/** Open `-` (stdout) or a file path for JSONL output. */
export function openSink(path: string, opts: OpenSinkOptions = {}): Sink {
  if (path === "-") return new StreamSink("-", process.stdout);
  const target = realOrResolved(path);
  for (const input of opts.inputs ?? []) {
    if (input !== "-" && realOrResolved(input) === target) {
      throw new PrepError(`refusing to write ${path}: it is one of this run's inputs`, 2);
    }
  }
  let dirOk = false;
  try {
    dirOk = statSync(dirname(target)).isDirectory();
  } catch {
    dirOk = false;
  }
  if (!dirOk) throw new PrepError(`cannot write ${path}: folder ${dirname(target)} does not exist`, 2);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const ws = createWriteStream(tmp, { flags: "wx" });
  const sink = new AtomicFileSink(target, tmp, ws);
  installSignalHandlers();
  live.add(sink);
  return sink;
}

/** Write to nowhere (used by `--dry-run` and by benchmarks of the pipeline alone). */
export function nullSink(): Sink {
  return { path: "(none)", write: async () => undefined, close: async () => undefined, abort: async () => undefined };
}

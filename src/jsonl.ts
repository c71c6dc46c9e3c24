import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, fstatSync, realpathSync, statSync, writeSync, type Stats } from "node:fs";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { pidNamespace, removeStale } from "./outputs/stale.js";
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
  /**
   * A record given as its JSON text, one line as it was read (a record operation writes kept lines byte for byte,
   * without parsing and serialising them again). The caller has checked it is a JSON object.
   */
  writeText?(json: string): Promise<void>;
  /** The same, given as the line's UTF-8 bytes. */
  writeBytes?(json: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
  /** Bytes written so far. */
  readonly bytes?: number;
  /**
   * Everything written and synced, but not yet in place: a run with several outputs finishes them all before
   * committing any, so a failure in one leaves none. `close()` after it only renames.
   */
  finish?(): Promise<void>;
}

const live = new Set<Sink>();
let handlersInstalled = false;
let signalled: Promise<never> | undefined;

/** When a signal is being handled: a promise that never settles (the handler exits the process). */
export function whenSignalled(): Promise<never> | undefined {
  return signalled;
}

const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Ctrl-C, SIGTERM or SIGHUP: remove every temp file still open, then exit like the signal would; a second signal
 * exits at once.
 */
export function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of Object.keys(SIGNAL_CODES) as (keyof typeof SIGNAL_CODES)[]) {
    process.on(sig, () => {
      // A second signal while the first is being handled (an abort that waits on a slow network): exit now.
      if (signalled) {
        process.stderr.write(`prep-data: interrupted again by ${sig}; exiting without waiting\n`);
        process.exit(SIGNAL_CODES[sig]);
      }
      signalled = new Promise<never>(() => undefined);
      const files = [...live].filter((s) => s instanceof AtomicFileSink).length;
      const uploads = [...live].filter((s) => s instanceof S3Sink).length;
      const what = [files ? `${files === 1 ? "the partial output was" : "partial outputs were"} removed` : "", uploads ? `${uploads === 1 ? "the upload was" : "uploads were"} aborted (nothing is left under the key)` : ""].filter(Boolean).join("; ");
      process.stderr.write(`prep-data: interrupted by ${sig}${what ? `; ${what}` : ""}\n`);
      void Promise.allSettled([...live].map((s) => s.abort())).finally(() => process.exit(SIGNAL_CODES[sig]));
    });
  }
}

/** A batch is written once it holds this many bytes; its buffer holds a line of up to a third of the capacity. */
const BATCH_BYTES = 1 << 18;
const BATCH_CAPACITY = 1 << 20;

/** `ENOSPC: no space left on device, write` → `no space left on device (ENOSPC)`. */
export function osReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string" && typeof err.message === "string") {
    const m = err.message.match(/^[A-Z0-9_]+: ([^,]+)/);
    return `${m ? m[1] : err.message} (${err.code})`;
  }
  return String((e as Error)?.message ?? e);
}

function writeError(path: string, e: unknown): PrepError {
  if (e instanceof PrepError) return e;
  return new PrepError(`cannot write ${path === "-" ? "stdout" : path}: ${osReason(e)}`, 3);
}

const LS = Buffer.from("\u2028");
const PS = Buffer.from("\u2029");
const NEL = Buffer.from("\u0085");
const ESCAPED = [LS, PS, NEL].map((b) => Buffer.from("\\u" + b.toString().charCodeAt(0).toString(16).padStart(4, "0")));

/**
 * `jsonLine`'s escapes applied to encoded JSON lines: in UTF-8 the bytes E2 80 A8 / E2 80 A9 / C2 85 are those
 * characters and nothing else, and in JSON they can only be inside strings. The same copy when there are none.
 */
export function escapeLineBreakers(buf: Buffer): Buffer {
  const marks = [LS, PS, NEL];
  // The next place of each mark; only the one consumed is looked for again (each scan goes forward once).
  const at = marks.map((m) => buf.indexOf(m));
  if (at.every((i) => i === -1)) return buf;
  const parts: Buffer[] = [];
  let from = 0;
  for (;;) {
    let k = -1;
    for (let j = 0; j < at.length; j++) if (at[j]! !== -1 && (k === -1 || at[j]! < at[k]!)) k = j;
    if (k === -1) break;
    parts.push(buf.subarray(from, at[k]), ESCAPED[k]!);
    from = at[k]! + marks[k]!.length;
    at[k] = buf.indexOf(marks[k]!, from);
  }
  parts.push(buf.subarray(from));
  return Buffer.concat(parts);
}

/**
 * Encodes lines straight into a batch buffer (no joined string) and hands each batch to `put`, one in flight while
 * the next is filled, so a run does not wait on each write's round trip. Two buffers take turns: `put` must be done
 * with a batch when its promise settles. Any error of `put` fails the run with the output's name, at the next batch
 * or at close.
 */
abstract class BatchingSink implements Sink {
  private cur: Buffer = Buffer.allocUnsafe(BATCH_CAPACITY);
  private free: Buffer | undefined;
  private used = 0;
  private inFlight: Promise<void> | undefined;
  bytes = 0;
  constructor(readonly path: string) {}
  protected abstract put(chunk: Buffer): Promise<void>;
  write(record: unknown): Promise<void> {
    return this.writeText(JSON.stringify(record));
  }
  async writeBytes(b: Uint8Array): Promise<void> {
    if (this.used + b.length + 1 > BATCH_CAPACITY) {
      await this.flush(false);
      if (b.length + 1 > BATCH_CAPACITY) {
        await this.send(Buffer.concat([b, Buffer.from("\n")]));
        return;
      }
    }
    this.cur.set(b, this.used);
    this.used += b.length;
    this.cur[this.used++] = 10;
    if (this.used >= BATCH_BYTES) await this.flush(false);
  }
  async writeText(s: string): Promise<void> {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the newline is one more.
    const most = s.length * 3 + 1;
    if (this.used + most > BATCH_CAPACITY) {
      await this.flush(false);
      if (most > BATCH_CAPACITY) {
        await this.send(Buffer.from(s + "\n"));
        return;
      }
    }
    this.used += this.cur.write(s, this.used);
    this.cur[this.used++] = 10;
    if (this.used >= BATCH_BYTES) await this.flush(false);
  }
  /** Hands the batch to `put` once the one before it is written; `wait`: and waits for this one too. */
  protected async flush(wait = true): Promise<void> {
    if (this.used > 0) {
      const batch = this.cur;
      const used = this.used;
      await this.settle();
      this.cur = this.free ?? Buffer.allocUnsafe(BATCH_CAPACITY);
      this.free = undefined;
      this.used = 0;
      await this.send(batch.subarray(0, used), batch);
    }
    if (wait) await this.settle();
  }
  /** `chunk` to `put` after the batch before it; `owner` is free again once it is written. */
  private async send(chunk: Buffer, owner?: Buffer): Promise<void> {
    await this.settle();
    const out = escapeLineBreakers(chunk);
    this.inFlight = this.put(out).then(() => {
      this.bytes += out.length;
      if (owner) this.free = owner;
    });
    // Seen at the next batch; never an unhandled rejection in between.
    this.inFlight.catch(() => undefined);
  }
  private async settle(): Promise<void> {
    const pending = this.inFlight;
    this.inFlight = undefined;
    try {
      await pending;
    } catch (e) {
      throw writeError(this.path, e);
    }
  }
  async close(): Promise<void> {
    await this.flush();
  }
  async abort(): Promise<void> {
    this.used = 0;
    await this.inFlight?.catch(() => undefined);
    this.inFlight = undefined;
  }
}

/** All of `chunk` (one write(2) may take part of it: a pipe, a signal). */
async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  for (let at = 0; at < chunk.length; ) {
    const { bytesWritten } = await fh.write(chunk, at, chunk.length - at);
    if (bytesWritten === 0) throw new Error("the write made no progress");
    at += bytesWritten;
  }
}

/** Standard output: a write error (EPIPE aside, which the CLI treats as the reader going away) fails the run. */
class StdoutSink extends BatchingSink {
  private failed: Error | undefined;
  private readonly out: NodeJS.WritableStream;
  /** Standard output redirected to a regular file (`> out.jsonl`): written here, every byte. */
  private readonly fileFd: number | undefined;
  constructor(out: NodeJS.WritableStream = process.stdout) {
    super("-");
    this.out = out;
    out.on("error", (e: Error) => (this.failed = e));
    // Node writes such a stdout with one write(2) per chunk and drops what a short write left (a nearly full
    // disk takes part of a batch without an error): the file is written here in a loop, as Node would, synchronously.
    const fd = (out as { fd?: unknown }).fd;
    this.fileFd = typeof fd === "number" && isRegularFile(fd) ? fd : undefined;
  }
  protected async put(chunk: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.fileFd !== undefined) {
      for (let at = 0; at < chunk.length; ) {
        const n = writeSync(this.fileFd, chunk, at, chunk.length - at);
        if (n === 0) throw new Error("the write made no progress");
        at += n;
      }
      return;
    }
    await new Promise<void>((res, rej) => {
      this.out.write(chunk, (e) => (e ? rej(e) : res()));
    });
  }
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/** A file descriptor written in place: character devices, FIFOs, sockets, /dev/stdout, /dev/fd/N. */
class DirectSink extends BatchingSink {
  private fh: Promise<FileHandle>;
  constructor(path: string, target: string) {
    super(path);
    this.fh = open(target, "w");
    this.fh.catch(() => undefined);
  }
  protected async put(chunk: Buffer): Promise<void> {
    await writeAll(await this.fh, chunk);
  }
  override async close(): Promise<void> {
    await this.flush();
    try {
      await (await this.fh).close();
    } catch (e) {
      throw writeError(this.path, e);
    }
    live.delete(this);
  }
  override async abort(): Promise<void> {
    await super.abort();
    live.delete(this);
    await (await this.fh.catch(() => undefined))?.close().catch(() => undefined);
  }
}

const TEMP_TAG = "prep-data-tmp";

/**
 * The temp name for `target`: hidden, beside it, tagged with this process's id and its PID namespace (so a later run
 * can tell it is stale: a process id means something only within its namespace).
 */
function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${TEMP_TAG}-${process.pid}-${randomBytes(4).toString("hex")}-${pidNamespace()}`);
}

/** Temp files of `target` left by a run that was killed (SIGKILL, power loss): removed. Returns how many. */
export function removeStaleTemps(target: string): number {
  // Another live run's temp stays; so does this run's own while a sink writes it; another namespace's while recent.
  return removeStale(dirname(target), `.${basename(target)}.${TEMP_TAG}-`, /^(\d+)-[0-9a-f]{8}(?:-(\w+))?$/, (path) => [...live].some((s) => (s instanceof AtomicFileSink && s.tmp === path) || (s instanceof ParquetFileSink && (s.tmp === path || s.parquetTmp === path))));
}

/** Writes `target` through a temp file beside it: flushed, fsynced and renamed into place only when the run completes. */
class AtomicFileSink extends BatchingSink {
  private done = false;
  private readonly fh: Promise<FileHandle>;
  constructor(
    path: string,
    readonly target: string,
    readonly tmp: string,
  ) {
    super(path);
    this.fh = open(tmp, "wx", 0o644);
    this.fh.catch(() => undefined);
  }
  protected async put(chunk: Buffer): Promise<void> {
    await writeAll(await this.fh, chunk);
  }
  private finished = false;
  async finish(): Promise<void> {
    if (this.finished) return;
    try {
      await this.flush();
      const fh = await this.fh;
      try {
        await fh.sync();
      } catch (e) {
        // Some file systems (and /proc-like mounts) cannot fsync; only a real I/O or space error fails the run.
        if (!["EINVAL", "ENOTSUP", "EOPNOTSUPP"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
      }
      await fh.close();
    } catch (e) {
      await this.abort();
      throw writeError(this.path, e);
    }
    this.finished = true;
  }
  /** The finished file that is renamed into place (the temp file itself, unless a subclass made another). */
  protected finishedFile(): string {
    return this.tmp;
  }
  override async close(): Promise<void> {
    await this.finish();
    try {
      await rename(this.finishedFile(), this.target);
    } catch (e) {
      await this.abort();
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && existsSync(dirname(this.tmp))) {
        throw new PrepError(`${this.path}: the temp file ${basename(this.tmp)} was removed by another process while this run wrote it (another run writing the same output?); nothing was written, run again`, 3);
      }
      throw writeError(this.path, e);
    }
    this.done = true;
    live.delete(this);
  }
  override async abort(): Promise<void> {
    await super.abort();
    live.delete(this);
    if (this.done) return;
    this.done = true;
    if (!this.finished) {
      const fh = await this.fh.catch(() => undefined);
      await fh?.close().catch(() => undefined);
    }
    await unlink(this.tmp).catch(() => undefined);
  }
}

/**
 * `-o FILE.parquet`: records go to the JSONL temp file beside the target as they come; when the run completes they
 * are written as Parquet (src/outputs/parquet.ts) to a second temp file, which is renamed into place. A failed or
 * interrupted run leaves neither temp nor a half file, and an existing output untouched.
 */
class ParquetFileSink extends AtomicFileSink {
  readonly parquetTmp: string;
  private converted = false;
  constructor(path: string, target: string, tmp: string) {
    super(path, target, tmp);
    this.parquetTmp = tempName(target);
  }
  override async finish(): Promise<void> {
    if (this.converted) return;
    await super.finish();
    try {
      const { jsonlToParquet } = await import("./outputs/parquet.js");
      await jsonlToParquet(this.tmp, this.parquetTmp);
      await unlink(this.tmp);
      this.bytes = statSync(this.parquetTmp).size;
    } catch (e) {
      await this.abort();
      throw writeError(this.path, e);
    }
    this.converted = true;
  }
  protected override finishedFile(): string {
    return this.parquetTmp;
  }
  override async abort(): Promise<void> {
    await super.abort();
    await unlink(this.parquetTmp).catch(() => undefined);
  }
}

/**
 * An S3 object, streamed with lib-storage's multipart upload: nothing appears under the key until the upload
 * completes (`finish`), and a failure or an interrupt aborts the upload.
 */
class S3Sink extends BatchingSink {
  private up: Promise<Awaited<ReturnType<typeof import("./s3/s3.js").uploadStream>>>;
  private finished = false;
  constructor(path: string) {
    super(path);
    this.up = import("./s3/s3.js").then((m) => m.uploadStream(path));
    this.up.catch(() => undefined);
  }
  protected async put(chunk: Buffer): Promise<void> {
    const u = await this.up;
    // The stream holds what it is given until the upload reads it: a copy, as the batch's buffer is reused.
    if (!u.body.write(Buffer.from(chunk))) await new Promise<void>((res, rej) => {
      u.body.once("drain", res);
      u.done.catch(rej);
    });
  }
  async finish(): Promise<void> {
    if (this.finished) return;
    try {
      await this.flush();
      const u = await this.up;
      u.body.end();
      await u.done;
    } catch (e) {
      await this.abort();
      throw writeError(this.path, e);
    }
    this.finished = true;
  }
  override async close(): Promise<void> {
    await this.finish();
    live.delete(this);
  }
  override async abort(): Promise<void> {
    await super.abort();
    live.delete(this);
    if (this.finished) return;
    this.finished = true;
    const u = await this.up.catch(() => undefined);
    await u?.abort();
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
  /** The option that named this output, for messages (default `-o`). */
  option?: string;
}

/** What an output path is: stdout, a special file written in place, or a regular (or new) file written atomically. */
export type OutputTarget = { kind: "stdout" } | { kind: "direct"; path: string } | { kind: "file"; path: string } | { kind: "s3"; path: string };

function fdTarget(path: string): boolean {
  return /^\/dev\/(stdout|stderr|fd\/\d+)$/.test(path) || /^\/proc\/self\/fd\/\d+$/.test(path);
}

/**
 * Check an output path before any work: its folder exists and is writable, it is not a folder, not one of the
 * run's inputs. Usage errors (exit 2) name the option and the path.
 */
export function checkOutputTarget(path: string, opts: OpenSinkOptions = {}): OutputTarget {
  if (path === "-") return { kind: "stdout" };
  const opt = opts.option ?? "-o";
  if (path === "") throw new PrepError(`${opt}: empty path`, 2);
  if (path.startsWith("s3://")) {
    if (!/^s3:\/\/[^/]+\/.*[^/]$/.test(path)) throw new PrepError(`${opt} ${path}: an s3://bucket/key object is needed, not a bucket or prefix`, 2);
    if (opts.inputs?.includes(path)) throw new PrepError(`refusing to write ${path}: it is one of this run's inputs`, 2);
    return { kind: "s3", path };
  }
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new PrepError(`${opt} ${path}: is a directory; give a file name`, 2);
  if (fdTarget(path) || (st && !st.isFile())) return { kind: "direct", path };
  const target = realOrResolved(path);
  for (const input of opts.inputs ?? []) {
    if (input !== "-" && realOrResolved(input) === target) {
      throw new PrepError(`refusing to write ${path}: it is one of this run's inputs`, 2);
    }
  }
  const dir = dirname(target);
  let dirOk = false;
  try {
    dirOk = statSync(dir).isDirectory();
  } catch {
    dirOk = false;
  }
  if (!dirOk) throw new PrepError(`cannot write ${path}: folder ${dir} does not exist`, 2);
  try {
    accessSync(dir, constants.W_OK);
    if (st) accessSync(target, constants.W_OK);
  } catch (e) {
    throw new PrepError(`cannot write ${path}: ${osReason(e)}`, 2);
  }
  return { kind: "file", path: target };
}

/** Usage error when two outputs of one run are the same file (`-o` and `--validation-output`, `--metadata`, …). */
export function checkDistinctOutputs(outputs: { option: string; path: string | undefined }[]): void {
  const seen = new Map<string, string>();
  for (const { option, path } of outputs) {
    if (path === undefined) continue;
    const key = path === "-" ? "-" : fdTarget(path) || path === "/dev/null" ? `special:${path}` : realOrResolved(path);
    if (key === "special:/dev/null") continue; // discarding twice is fine
    const other = seen.get(key);
    if (other) throw new PrepError(`${other} and ${option} name the same ${path === "-" ? "stream (stdout)" : `file (${path})`}: give each its own`, 2);
    seen.set(key, option);
  }
}

/** Open `-` (stdout), a special file (written in place) or a file path (temp + rename) for JSONL output. */
export function openSink(path: string, opts: OpenSinkOptions = {}): Sink {
  const t = checkOutputTarget(path, opts);
  installSignalHandlers();
  if (t.kind === "stdout") return new StdoutSink();
  if (t.kind === "s3") {
    const sink = new S3Sink(path);
    live.add(sink);
    return sink;
  }
  if (t.kind === "direct") {
    const sink = new DirectSink(path, t.path);
    live.add(sink);
    return sink;
  }
  removeStaleTemps(t.path);
  const sink = /\.parquet$/i.test(t.path) ? new ParquetFileSink(path, t.path, tempName(t.path)) : new AtomicFileSink(path, t.path, tempName(t.path));
  live.add(sink);
  return sink;
}

/** Write to nowhere (used by `--dry-run` and by benchmarks of the pipeline alone). */
export function nullSink(): Sink {
  return { path: "(none)", write: async () => undefined, close: async () => undefined, abort: async () => undefined };
}

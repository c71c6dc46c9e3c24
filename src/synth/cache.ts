import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { osReason } from "../jsonl.js";
import { PrepError } from "../record.js";
import type { TeacherReply, TeacherRequest } from "./teacher.js";

/** The key of a request: backend, model, parameters and prompt, hashed. */
export function requestKey(teacherId: string, req: TeacherRequest): string {
  // A conversation's earlier turns only when there are some: the keys of single prompts stay as they were.
  return createHash("sha256").update(JSON.stringify([teacherId, req.system ?? null, req.temperature ?? null, req.maxOutputTokens ?? null, req.prompt, ...(req.history?.length ? [req.history] : [])])).digest("hex");
}

const CACHE_LINE = /^\{"key":"([0-9a-f]{64})"/;

/**
 * Teacher replies on disk, so a run killed half-way and started again sends no request already answered. An
 * append-only JSONL file (`{"key", "reply"}` a line); in memory only each key's offset and length, so a cache of
 * millions of replies costs a few bytes each.
 *
 * Appends are atomic: the file is opened with O_APPEND and each reply is one write(2) of one whole line, so runs
 * sharing a cache never write over each other's lines (each positioned its writes at its own idea of the end
 * before). A line is indexed once it is complete; lines other runs append are picked up when a key is not found.
 * A line cut off by a killed run is left alone (another run may be writing it) and skipped; the next append starts
 * on a line of its own. A file whose first line is not a cache line is refused: `--cache` naming an input would
 * otherwise be cut and appended to.
 */
export class ReplyCache {
  private readonly index = new Map<string, [number, number]>();
  private readonly fd: number;
  /** How far the file has been indexed (the start of the first line not yet complete). */
  private scanned = 0;
  /** Whether the file's last byte seen is a newline (or the file is empty). */
  private endsWithNewline = true;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, "a+");
    } catch (e) {
      throw new PrepError(`--cache ${path}: cannot open (${osReason(e)})`, 2);
    }
    const first = Buffer.alloc(80);
    const n = readSync(this.fd, first, 0, first.length, 0);
    if (n > 0 && !CACHE_LINE.test(first.toString("latin1", 0, n))) {
      closeSync(this.fd);
      throw new PrepError(`--cache ${path} is not a prep-data reply cache (its first line is not {"key": …, "reply": …}); name a new file or an existing cache`, 2);
    }
    this.refresh();
  }

  /** Index the complete lines appended since the last scan (this run's and other runs'). */
  private refresh(): void {
    const size = fstatSync(this.fd).size;
    if (size <= this.scanned) return;
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let pos = this.scanned;
    let lineStart = this.scanned;
    while (pos < size) {
      const n = readSync(this.fd, chunk, 0, Math.min(chunk.length, size - pos), pos);
      if (n === 0) break;
      const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let from = 0;
      for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, from)) {
        const line = buf.subarray(from, i);
        const m = CACHE_LINE.exec(line.toString("latin1", 0, 80));
        if (m) this.index.set(m[1]!, [lineStart, line.length]);
        lineStart += line.length + 1;
        from = i + 1;
      }
      carry = Buffer.from(buf.subarray(from));
      pos += n;
    }
    this.scanned = lineStart;
    this.endsWithNewline = lineStart === size;
  }

  get entries(): number {
    return this.index.size;
  }

  get(key: string): TeacherReply | undefined {
    let at = this.index.get(key);
    if (!at) {
      this.refresh();
      at = this.index.get(key);
    }
    if (!at) return undefined;
    const buf = Buffer.alloc(at[1]);
    readSync(this.fd, buf, 0, at[1], at[0]);
    try {
      const reply = (JSON.parse(buf.toString("utf8")) as { reply?: Partial<TeacherReply> }).reply;
      // An entry of another shape (damaged, or an older prep-data's) is not a reply: the request is sent again.
      if (!reply || typeof reply.text !== "string" || typeof reply.inputTokens !== "number" || typeof reply.outputTokens !== "number") return undefined;
      return reply as TeacherReply;
    } catch {
      return undefined;
    }
  }

  /**
   * Append a reply: one write of one line (after a newline when the file ends in a killed run's partial line).
   * Throws a PrepError when the line cannot be written whole: the run must stop, the reply was paid for.
   */
  put(key: string, reply: TeacherReply): void {
    const line = Buffer.from((this.endsWithNewline ? "" : "\n") + JSON.stringify({ key, reply }) + "\n");
    let n: number;
    try {
      n = writeSync(this.fd, line);
    } catch (e) {
      throw new PrepError(`cannot write the reply cache ${this.path}: ${osReason(e)}; the reply was received but not kept (free space or give --cache elsewhere; replies already cached are not asked again)`, 3);
    }
    if (n !== line.length) throw new PrepError(`cannot write the reply cache ${this.path}: a short write (${n} of ${line.length} bytes; the disk is full?)`, 3);
    this.endsWithNewline = true;
  }

  close(): void {
    closeSync(this.fd);
  }
}

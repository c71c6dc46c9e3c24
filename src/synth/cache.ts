import { createHash } from "node:crypto";
import { closeSync, existsSync, ftruncateSync, openSync, readSync, statSync, writeSync } from "node:fs";
import type { TeacherReply, TeacherRequest } from "./teacher.js";

/** The key of a request: backend, model, parameters and prompt, hashed. */
export function requestKey(teacherId: string, req: TeacherRequest): string {
  return createHash("sha256").update(JSON.stringify([teacherId, req.system ?? null, req.temperature ?? null, req.maxOutputTokens ?? null, req.prompt])).digest("hex");
}

/**
 * Teacher replies on disk, so a run killed half-way and started again sends no request already answered. An
 * append-only JSONL file (`{"key", "reply"}` a line, written and flushed as each reply arrives); in memory only each
 * key's offset and length, so a cache of millions of replies costs a few bytes each. A line cut off by a kill is
 * ignored on the next load.
 */
export class ReplyCache {
  private readonly index = new Map<string, [number, number]>();
  private fd: number;
  private size: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, existsSync(path) ? "r+" : "w+");
    this.size = statSync(path).size;
    this.load();
  }

  private load(): void {
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let pos = 0;
    let lineStart = 0;
    for (;;) {
      const n = readSync(this.fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      let buf = Buffer.concat([carry, chunk.subarray(0, n)]);
      let from = 0;
      for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, from)) {
        const line = buf.subarray(from, i);
        const m = /^\{"key":"([0-9a-f]{64})"/.exec(line.toString("latin1", 0, 80));
        if (m) this.index.set(m[1]!, [lineStart, line.length]);
        lineStart += line.length + 1;
        from = i + 1;
      }
      carry = Buffer.from(buf.subarray(from));
      buf = Buffer.alloc(0);
      pos += n;
    }
    // A partial last line (a killed run): cut it off, so the next append starts on a line of its own.
    if (lineStart < this.size) ftruncateSync(this.fd, lineStart);
    this.size = lineStart;
  }

  get entries(): number {
    return this.index.size;
  }

  get(key: string): TeacherReply | undefined {
    const at = this.index.get(key);
    if (!at) return undefined;
    const buf = Buffer.alloc(at[1]);
    readSync(this.fd, buf, 0, at[1], at[0]);
    try {
      return (JSON.parse(buf.toString("utf8")) as { reply: TeacherReply }).reply;
    } catch {
      return undefined;
    }
  }

  put(key: string, reply: TeacherReply): void {
    const line = Buffer.from(JSON.stringify({ key, reply }) + "\n");
    writeSync(this.fd, line, 0, line.length, this.size);
    this.index.set(key, [this.size, line.length - 1]);
    this.size += line.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}

import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";

/**
 * Where each line of a JSONL file starts, from one streaming scan (8 bytes a line: 1 GB of short records is ~100 MB
 * at most, the file itself never held), and the lines read back by number with positioned reads.
 */
export class LineIndex {
  private constructor(
    readonly path: string,
    private readonly starts: Float64Array,
    readonly count: number,
    readonly bytes: number,
  ) {}

  static async build(path: string): Promise<LineIndex> {
    let starts = new Float64Array(1 << 16);
    let n = 0;
    let pos = 0;
    let atStart = true;
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        if (atStart) {
          if (n === starts.length) {
            const next = new Float64Array(starts.length * 2);
            next.set(starts);
            starts = next;
          }
          starts[n++] = pos + i;
          atStart = false;
        }
        if (chunk[i] === 10) atStart = true;
      }
      pos += chunk.length;
    }
    return new LineIndex(path, starts, n, pos);
  }

  /** Lines `from`..`from + count - 1` (1-based), without their newline. */
  async read(from: number, count: number): Promise<{ line: number; text: string }[]> {
    const first = Math.max(1, from);
    const last = Math.min(this.count, first + count - 1);
    if (last < first) return [];
    const start = this.starts[first - 1]!;
    const end = last < this.count ? this.starts[last]! : this.bytes;
    const fh = await open(this.path, "r");
    try {
      const buf = Buffer.alloc(end - start);
      await fh.read(buf, 0, buf.length, start);
      const out: { line: number; text: string }[] = [];
      for (let l = first; l <= last; l++) {
        const a = this.starts[l - 1]! - start;
        const b = (l < this.count ? this.starts[l]! : this.bytes) - start;
        out.push({ line: l, text: buf.toString("utf8", a, b).replace(/\r?\n$/, "") });
      }
      return out;
    } finally {
      await fh.close();
    }
  }
}

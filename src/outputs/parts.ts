import { openSink, type OpenSinkOptions, type Sink } from "../jsonl.js";
import { PrepError } from "../record.js";

/** `train.jsonl` → `train-part-00002.jsonl`. */
export function partPath(path: string, n: number): string {
  const tag = `-part-${String(n).padStart(5, "0")}`;
  return path.endsWith(".jsonl") ? path.slice(0, -6) + tag + ".jsonl" : path + tag;
}

/**
 * Records written across files of at most `max` records each (`--limit-policy split`): `NAME-part-00001.jsonl`,
 * `-00002`, …, each through its own temp file; all are finished before any is put in place, or all removed.
 */
export class PartsSink implements Sink {
  private readonly sinks: Sink[] = [];
  private inCurrent = 0;
  readonly counts: number[] = [];
  constructor(
    readonly path: string,
    private readonly max: number,
    private readonly opts: OpenSinkOptions = {},
  ) {
    if (path === "-") throw new PrepError("--limit-policy split writes NAME-part-0000K.jsonl files: give -o NAME.jsonl", 2);
  }
  get parts(): { path: string; bytes: number; records: number }[] {
    return this.sinks.map((s, i) => ({ path: s.path, bytes: s.bytes ?? 0, records: this.counts[i]! }));
  }
  get bytes(): number {
    return this.sinks.reduce((a, s) => a + (s.bytes ?? 0), 0);
  }
  write(record: unknown): Promise<void> {
    return this.writeText(JSON.stringify(record));
  }
  async writeText(json: string): Promise<void> {
    if (!this.sinks.length || this.inCurrent >= this.max) {
      this.sinks.push(openSink(partPath(this.path, this.sinks.length + 1), this.opts));
      this.counts.push(0);
      this.inCurrent = 0;
    }
    const sink = this.sinks[this.sinks.length - 1]!;
    await (sink.writeText ? sink.writeText(json) : sink.write(JSON.parse(json)));
    this.inCurrent++;
    this.counts[this.counts.length - 1]!++;
  }
  async finish(): Promise<void> {
    try {
      for (const s of this.sinks) await s.finish?.();
    } catch (e) {
      await this.abort();
      throw e;
    }
  }
  async close(): Promise<void> {
    await this.finish();
    for (const s of this.sinks) await s.close();
  }
  async abort(): Promise<void> {
    for (const s of this.sinks) await s.abort();
  }
}

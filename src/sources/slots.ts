import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { RawBatch } from "./lines.js";
import { assertReadableFile, openBytes } from "./open.js";

/** A batch read into a reusable slot; hand the slot back with {@link SlotReader.release} when done with it. */
export interface SlotBatch extends RawBatch {
  slot: number;
}

type Fill = (into: Uint8Array, at: number, max: number) => Promise<number>;

/** Reads a file straight into the caller's buffer; anything else (stdin, .gz) through its stream. */
async function openFill(path: string): Promise<{ fill: Fill; close: () => Promise<void> }> {
  if (path !== "-" && !path.endsWith(".gz") && !path.startsWith("s3://")) {
    await assertReadableFile(path); // the same errors as every other reader (missing, directory)
    const fh = await open(path, "r");
    return { fill: async (into, at, max) => (await fh.read(into, at, max, null)).bytesRead, close: () => fh.close() };
  }
  const stream: Readable = await openBytes(path);
  const it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let left: Buffer | undefined;
  return {
    fill: async (into, at, max) => {
      while (!left || left.length === 0) {
        const r = await it.next();
        if (r.done) return 0;
        left = r.value;
      }
      const n = Math.min(max, left.length);
      into.set(left.subarray(0, n), at);
      left = left.subarray(n);
      return n;
    },
    close: async () => void stream.destroy(),
  };
}

/**
 * Whole-line batches of a file read into a fixed set of reusable buffers (SharedArrayBuffers when `shared`, so
 * worker threads read them in place): memory stays at slots × slot size however big the input, and nothing is
 * allocated per batch. A slot grows when one line is longer than it. Splits on `\n`; strips a leading BOM.
 */
export class SlotReader {
  private readonly bufs: Buffer[] = [];
  private readonly free: number[] = [];
  private waiter?: () => void;
  /** The input started with a UTF-8 byte-order mark (stripped from the batches). */
  bom = false;
  /** The first bytes of the input (after any BOM), for sniffing its encoding. */
  head?: Uint8Array;

  constructor(
    slots: number,
    private readonly shared: boolean,
    private readonly size = 1 << 20,
  ) {
    for (let i = 0; i < slots; i++) {
      this.bufs.push(this.alloc(size));
      this.free.push(i);
    }
  }

  // Buffers, not bare Uint8Arrays: Buffer#indexOf is memchr, TypedArray#indexOf a generic loop (~10× slower).
  private alloc(n: number): Buffer {
    return Buffer.from(this.shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  }

  release(slot: number): void {
    this.free.push(slot);
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private async acquire(min: number): Promise<number> {
    while (this.free.length === 0) await new Promise<void>((resolve) => (this.waiter = resolve));
    const slot = this.free.pop()!;
    if (this.bufs[slot]!.length < min) this.bufs[slot] = this.alloc(Math.max(min, this.size));
    return slot;
  }

  /** Batches of whole lines; `onRead` sees every byte read, in order (a digest of exactly what was checked). */
  async *batches(path: string, onRead?: (bytes: Buffer) => void): AsyncGenerator<SlotBatch> {
    const { fill, close } = await openFill(path);
    let carry: Buffer = Buffer.alloc(0);
    let line = 1;
    let first = true;
    let eof = false;
    try {
      while (!eof) {
        // Room for the carried partial line and at least as much again to read.
        const slot = await this.acquire(carry.length * 2);
        const buf = this.bufs[slot]!;
        buf.set(carry, 0);
        let filled = carry.length;
        while (filled < buf.length) {
          const n = await fill(buf, filled, buf.length - filled);
          if (n === 0) {
            eof = true;
            break;
          }
          onRead?.(buf.subarray(filled, filled + n));
          filled += n;
        }
        let start = 0;
        if (first) {
          first = false;
          if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf && filled >= 3) start = 3;
          this.bom = start === 3;
          this.head = buf.slice(start, Math.min(filled, start + 512));
        }
        const end = eof ? filled : buf.subarray(start, filled).lastIndexOf(10) + start + 1;
        if (end === start && !eof) {
          // One line fills the slot: carry it into a bigger one.
          carry = Buffer.from(buf.subarray(start, filled));
          this.release(slot);
          continue;
        }
        carry = Buffer.from(buf.subarray(end, filled));
        if (end === start) {
          this.release(slot);
          break;
        }
        const bytes = buf.subarray(start, end);
        const firstLine = line;
        for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) line++;
        // Lines: one per newline, and a last one without its newline at the end of the input.
        yield { bytes, firstLine, slot, lines: line - firstLine + (bytes[bytes.length - 1] === 10 ? 0 : 1) };
      }
    } finally {
      await close();
    }
  }
}

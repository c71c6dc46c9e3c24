import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { splitLines } from "../../src/sources/lines.js";
import { SlotReader } from "../../src/sources/slots.js";
import { tmp } from "../helpers/run.js";

/** Every line with its number, read through slots of `size` bytes, releasing each slot after use. */
async function readAll(path: string, size: number, shared = false): Promise<[number, string][]> {
  const reader = new SlotReader(2, shared, size);
  const out: [number, string][] = [];
  for await (const b of reader.batches(path)) {
    for (const l of splitLines(b)) out.push([l.n, l.text]);
    reader.release(b.slot);
  }
  return out;
}

describe("SlotReader", () => {
  const lines = ['{"a":1}', "", "x".repeat(100), "中文 ünïcödé", '{"b":"' + "y".repeat(40) + '"}', "last"];
  const dir = tmp();
  const plain = join(dir, "t.jsonl");
  writeFileSync(plain, "\ufeff" + lines.join("\n"));
  const expected = lines.map((t, i) => [i + 1, t]);

  it("yields every line once with its number, whatever the slot size (lines longer than a slot grow it)", async () => {
    for (const size of [8, 16, 33, 1 << 20]) expect(await readAll(plain, size), `slot ${size}`).toEqual(expected);
    expect(await readAll(plain, 16, true)).toEqual(expected);
  });

  it("reads .gz files and CRLF files the same way", async () => {
    const gz = join(dir, "t.jsonl.gz");
    writeFileSync(gz, gzipSync(lines.join("\r\n") + "\r\n"));
    expect(await readAll(gz, 16)).toEqual(expected);
  });

  it("holds no more slots than it was given: the next batch waits for a release", async () => {
    const reader = new SlotReader(1, false, 16);
    const it = reader.batches(plain)[Symbol.asyncIterator]();
    const first = (await it.next()).value!;
    let second = false;
    const next = it.next().then(() => (second = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(second).toBe(false);
    reader.release(first.slot);
    await next;
    expect(second).toBe(true);
    await it.return?.(undefined);
  });
});

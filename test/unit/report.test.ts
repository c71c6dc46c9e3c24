import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writePdf, prose } from "../helpers/pdf.js";
import { lines, run, tmp } from "../helpers/run.js";

const json = (p: string) => JSON.parse(readFileSync(p, "utf8"));

function csv(dir: string): string {
  const p = join(dir, "in.csv");
  writeFileSync(p, "q,a\n" + Array.from({ length: 40 }, (_, i) => `question ${i},answer ${i}`).join("\n") + "\nbroken,row,here\n");
  return p;
}

describe("--report FILE: the closing summary as one JSON object", () => {
  it("csv: counts by reason, outputs with bytes and records, elapsed; - is stdout when records are not", async () => {
    const d = tmp();
    const out = join(d, "train.jsonl");
    const r = await run(["csv", csv(d), "--prompt", "{q}", "--completion", "{a}", "-o", out, "--validation-fraction", "0.25", "--report", join(d, "report.json")]);
    expect(r.code).toBe(1);
    const rep = json(join(d, "report.json"));
    expect(rep).toMatchObject({ ok: false, exitCode: 1, read: 41, written: 40, rejected: { "ragged-row": 1 } });
    expect(rep.outputs.map((o: { role: string }) => o.role)).toEqual(["train", "validation"]);
    expect(rep.outputs[0]).toMatchObject({ path: out, bytes: readFileSync(out).length, records: lines(readFileSync(out, "utf8")).length });
    expect(rep.outputs[1].records).toBe(rep.validation);
    expect(rep.outputs[0].records + rep.outputs[1].records).toBe(40);
    expect(rep.elapsedMs).toBeGreaterThan(0);
    const toStdout = await run(["csv", csv(d), "--prompt", "{q}", "--completion", "{a}", "-o", join(d, "x.jsonl"), "--report", "-", "-q"]);
    expect(JSON.parse(toStdout.stdout)).toMatchObject({ read: 41, written: 40 });
    const clash = await run(["csv", csv(d), "--prompt", "{q}", "--completion", "{a}", "-o", "-", "--report", "-"]);
    expect(clash.code).toBe(2);
    expect(clash.stdout).toBe("");
  });

  it("a run that fails still writes its report, with the error and exit 3", async () => {
    const d = tmp();
    const r = await run(["json", join(d, "missing.jsonl"), "--prompt", "{q}", "--completion", "{a}", "-o", join(d, "o.jsonl"), "--report", join(d, "r.json")]);
    expect(r.code).toBe(3);
    expect(json(join(d, "r.json"))).toMatchObject({ ok: false, exitCode: 3, read: 1, written: 0, rejected: { file: 1 } });
    const hub = await run(["dialogsum", "-o", join(d, "h.jsonl"), "--report", join(d, "h.json")], { env: { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: d } });
    expect(hub.code).toBe(3);
    expect(json(join(d, "h.json"))).toMatchObject({ ok: false, exitCode: 3, written: 0 });
    expect(json(join(d, "h.json")).error).toMatch(/HF_HUB_OFFLINE=1/);
  });

  it("pdf, convert, validate and stats take --report too", async () => {
    const d = tmp();
    const pdf = join(d, "doc.pdf");
    await writePdf(pdf, [prose(["First page of the document with some words.", "Another line of text here."]), prose(["Second page, more words to read.", "The end of it."])]);
    const p = await run(["pdf", pdf, "-o", join(d, "p.jsonl"), "--metadata", join(d, "m.jsonl"), "--report", join(d, "p.json")]);
    expect(p.code, p.stderr).toBe(0);
    const pr = json(join(d, "p.json"));
    expect(pr).toMatchObject({ ok: true, written: 1, files: [{ source: pdf, pages: 2, textPages: 2 }] });
    expect(pr.outputs.map((o: { role: string }) => o.role)).toEqual(["train", "metadata"]);
    const chat = join(d, "chat.jsonl");
    writeFileSync(chat, Array.from({ length: 10 }, (_, i) => JSON.stringify({ messages: [{ role: "user", content: `hi ${i}` }, { role: "assistant", content: "yo" }] })).join("\n") + "\n");
    const c = await run(["convert", chat, "--to", "conversation", "-o", join(d, "c.jsonl"), "--report", join(d, "c.json")]);
    expect(c.code, c.stderr).toBe(0);
    expect(json(join(d, "c.json"))).toMatchObject({ ok: true, read: 10, written: 10 });
    const v = await run(["validate", join(d, "c.jsonl"), "-m", "llama3.2-1b", "--report", join(d, "v.json")]);
    expect(v.code).toBe(1);
    const vr = json(join(d, "v.json"));
    expect(vr).toMatchObject({ ok: false, exitCode: 1, read: 10, rejected: { "record-count": 1 } });
    expect(vr.validate.files[0]).toMatchObject({ records: 10, valid: 10, format: "conversation" });
    const s = await run(["stats", chat, "--report", join(d, "s.json"), "-q"]);
    expect(s.code).toBe(0);
    expect(s.stdout).toBe("");
    expect(json(join(d, "s.json")).stats.records).toBe(10);
  });
});

describe("common options are common", () => {
  it("pdf takes -n and --validation-fraction; convert takes --validation-fraction and --seed", async () => {
    const d = tmp();
    const pdf = join(d, "doc.pdf");
    const page = (k: number) => prose(Array.from({ length: 40 }, (_, i) => `Page ${k} line ${i} has several ordinary words for the chunker to count.`));
    await writePdf(pdf, [page(1), page(2), page(3), page(4)]);
    const all = await run(["pdf", pdf, "-o", join(d, "all.jsonl"), "--chunk-size", "200"]);
    const total = lines(readFileSync(join(d, "all.jsonl"), "utf8")).length;
    expect(total).toBeGreaterThan(4);
    expect(all.code).toBe(0);
    const two = await run(["pdf", pdf, "-n", "2", "-o", join(d, "two.jsonl"), "--chunk-size", "200"]);
    expect(two.code, two.stderr).toBe(0);
    expect(lines(readFileSync(join(d, "two.jsonl"), "utf8"))).toEqual(lines(readFileSync(join(d, "all.jsonl"), "utf8")).slice(0, 2));
    const split = await run(["pdf", pdf, "-o", join(d, "train.jsonl"), "--chunk-size", "200", "--validation-fraction", "0.3"]);
    expect(split.code, split.stderr).toBe(0);
    const t = lines(readFileSync(join(d, "train.jsonl"), "utf8")).length;
    const v = lines(readFileSync(join(d, "validation.jsonl"), "utf8")).length;
    expect(t + v).toBe(total);
    expect(v).toBeGreaterThan(0);

    const chat = join(d, "chat.jsonl");
    writeFileSync(chat, Array.from({ length: 50 }, (_, i) => JSON.stringify({ messages: [{ role: "user", content: `hi ${i}` }, { role: "assistant", content: "yo" }] })).join("\n") + "\n");
    const a = await run(["convert", chat, "--to", "messages", "-o", join(d, "a.jsonl"), "--validation-fraction", "0.2", "--seed", "1"]);
    const b = await run(["convert", chat, "--to", "messages", "-o", join(d, "b.jsonl"), "--validation-fraction", "0.2", "--seed", "2"]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const va = readFileSync(join(d, "a.validation.jsonl"), "utf8");
    expect(va).not.toBe(readFileSync(join(d, "b.validation.jsonl"), "utf8"));
    expect(lines(va).length + lines(readFileSync(join(d, "a.jsonl"), "utf8")).length).toBe(50);
  });

  it("validate and stats take -n (first N lines) and -q", async () => {
    const d = tmp();
    const f = join(d, "t.jsonl");
    writeFileSync(f, Array.from({ length: 20 }, (_, i) => JSON.stringify({ prompt: `q${i}`, completion: "a" })).join("\n") + "\n{broken\n");
    const full = await run(["validate", f, "--json"]);
    expect(JSON.parse(full.stdout).errors).toBe(1);
    const head = await run(["validate", f, "-n", "5", "--json", "-m", "llama3.1-8b"]);
    expect(head.code).toBe(0);
    const hr = JSON.parse(head.stdout);
    expect(hr.files[0]).toMatchObject({ lines: 5, records: 5 });
    expect(hr.counts["record-count"]).toBeUndefined(); // 5 < 100 records, but a sample is not the file
    const quiet = await run(["validate", f, "-q"]);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout + quiet.stderr).toBe("");
    const st = await run(["stats", f, "-n", "3", "--json"]);
    expect(JSON.parse(st.stdout).stats.records).toBe(3);
    expect(existsSync(join(d, "t.jsonl"))).toBe(true);
  });
});

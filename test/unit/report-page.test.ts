import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { openai, teacher } from "../helpers/teachers.js";
import { docsCsv } from "../helpers/docs.js";
import { ROOT, run, tmp } from "../helpers/run.js";
import { collectReport, loadTokenCounter } from "../../src/index.js";

const offline = { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(ROOT, "fixtures", "hf-cache") };
const num = (s: string | null | undefined) => Number((s ?? "").replace(/,/g, ""));

function page(path: string) {
  const html = readFileSync(path, "utf8");
  return { html, document: parseHTML(html).document };
}

describe("prep-data report FILE -o report.html", () => {
  it("tokens by role: system, user and assistant turns of a conversation counted as their own texts, prompt and completion as validate counts them", async () => {
    const d = tmp();
    const conv = (i: number) => ({
      schemaVersion: "bedrock-conversation-2024",
      ...(i % 2 ? { system: [{ text: `You answer question ${i} briefly.` }] } : {}),
      messages: [
        { role: "user", content: [{ text: `First question number ${i}?` }] },
        { role: "assistant", content: [{ text: `First answer ${"word ".repeat(i)}` }] },
        { role: "user", content: [{ text: `And the second, ${i}?` }] },
        { role: "assistant", content: [{ text: `Second answer ${i}.` }] },
      ],
    });
    writeFileSync(join(d, "c.jsonl"), Array.from({ length: 30 }, (_, i) => JSON.stringify(conv(i))).join("\n") + "\n");
    const counter = await loadTokenCounter("cl100k");
    const sum = (f: (i: number) => number) => Array.from({ length: 30 }, (_, i) => f(i)).reduce((a, b) => a + b, 0);
    const data = await collectReport([join(d, "c.jsonl")], { tokenizer: "cl100k" });
    expect(data.roles.system!.total).toBe(sum((i) => (i % 2 ? counter.count(`You answer question ${i} briefly.`) : 0)));
    expect(data.roles.system!.records).toBe(15);
    expect(data.roles.user!.total).toBe(sum((i) => counter.count(`First question number ${i}?\nAnd the second, ${i}?`)));
    expect(data.roles.assistant!.total).toBe(sum((i) => counter.count(`First answer ${"word ".repeat(i)}\nSecond answer ${i}.`)));
    expect(data.turns!.max).toBe(4);
    const inst = join(d, "i.jsonl");
    writeFileSync(inst, Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `Summarise ${"this ".repeat(i)}`, completion: `Done ${i}` })).join("\n") + "\n");
    const ir = await collectReport([inst], { tokenizer: "cl100k" });
    const stats = JSON.parse((await run(["stats", inst, "--tokenizer", "cl100k", "--json"])).stdout) as { stats: { total: number } };
    expect(ir.roles.prompt!.total + ir.roles.completion!.total).toBe(stats.stats.total);
    expect(ir.roles.completion!.total).toBe(sum((i) => (i < 12 ? counter.count(`Done ${i}`) : 0)));
  });

  it("the DialogSum train file: the numbers are stats' and validate's, the page needs nothing outside itself, and the same input and seed give the same bytes", async () => {
    const d = tmp();
    const f = join(d, "train.jsonl");
    expect((await run(["dialogsum", "--format", "instruction", "-o", f], { env: offline })).code).toBe(0);
    const r = await run(["report", f, "--model", "llama3.1-8b", "-o", join(d, "r.html")]);
    expect(r.code, r.stderr).toBe(1); // 6 records: under the model's minimum, as validate says
    const { html, document } = page(join(d, "r.html"));
    const stats = JSON.parse((await run(["stats", f, "--model", "llama3.1-8b", "--json"])).stdout) as { stats: { records: number; total: number; p50: number; max: number }; trainingTokens: { total: number } };
    const validation = JSON.parse((await run(["validate", f, "--model", "llama3.1-8b", "--json"])).stdout) as { errors: number; counts: Record<string, { errors: number }> };
    const row = [...document.querySelectorAll("#token-stats tr")].find((tr) => tr.querySelector("th")?.textContent === "valid records")!;
    const cells = [...row.querySelectorAll("td")].map((td) => num(td.textContent));
    expect([cells[0], cells[1], cells[4], cells[7]]).toEqual([stats.stats.records, stats.stats.total, stats.stats.p50, stats.stats.max]);
    expect(num(document.querySelector('[data-key="records"]')!.textContent)).toBe(6);
    expect(document.querySelector('[data-key="training-tokens"]')!.textContent).toContain(stats.trainingTokens.total.toLocaleString("en-US"));
    const errors = [...document.querySelectorAll("details.finding.error")].reduce((a, e) => a + num(e.querySelector(".count")!.textContent), 0);
    expect(errors).toBe(validation.errors);
    expect(document.querySelector('details[data-reason="record-count"]')).toBeTruthy();
    expect(document.querySelector('[data-key="passes"]')!.textContent).toMatch(/^no/);
    // Charts as inline SVG: tokens per record (with the model's limit drawn), per role, turns, characters.
    expect(document.querySelectorAll("figure svg").length).toBeGreaterThanOrEqual(4);
    expect(html).toMatch(/The model's limit, 16,000 tokens, is \d+× the largest record: not drawn\./); // far beyond the data: said, not drawn
    // Self-contained: no script, no stylesheet or image fetched, no URL to load.
    expect(document.querySelectorAll("script, link, img, iframe, object").length).toBe(0);
    expect([...document.querySelectorAll("[src], [href]")].length).toBe(0);
    expect(html).not.toMatch(/url\(|@import/);
    // The sample shows records as turns.
    expect(document.querySelectorAll("article.record").length).toBe(6);
    expect(document.querySelector("article.record .turn.completion .text")!.textContent!.length).toBeGreaterThan(0);
    const again = await run(["report", f, "--model", "llama3.1-8b", "-o", join(d, "r2.html")]);
    expect(again.code).toBe(1);
    expect(readFileSync(join(d, "r2.html"), "utf8")).toBe(html);
  });

  it("findings show the refused record with its line; the seed picks the sample", async () => {
    const d = tmp();
    const f = join(d, "mixed.jsonl");
    const recs = Array.from({ length: 200 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, completion: `answer ${i}` }));
    recs[10] = '{"prompt": "no completion here"}';
    recs[20] = "not json at all";
    writeFileSync(f, recs.join("\n") + "\n");
    const r = await run(["report", f, "-o", join(d, "a.html"), "--sample", "5", "--seed", "1"]);
    expect(r.code).toBe(1);
    const { document } = page(join(d, "a.html"));
    const schema = document.querySelector('details[data-reason="schema"], details[data-reason="missing-key"], details.finding.error')!;
    expect(schema.textContent).toMatch(/mixed\.jsonl:11/);
    expect(schema.textContent).toContain("no completion here");
    expect(document.querySelector('details[data-reason="json-syntax"]')!.textContent).toMatch(/mixed\.jsonl:21.*not json at all/s);
    const picked = (p: string) => [...parseHTML(readFileSync(p, "utf8")).document.querySelectorAll("article.record .where")].map((e) => e.textContent);
    await run(["report", f, "-o", join(d, "b.html"), "--sample", "5", "--seed", "2"]);
    expect(picked(join(d, "a.html"))).toHaveLength(5);
    expect(picked(join(d, "a.html"))).not.toEqual(picked(join(d, "b.html")));
  });

  it("each finding's example has the offending field highlighted: a bad block, a wrong role, a missing key, an unexpected key, a turn over the token limit", async () => {
    const d = tmp();
    const f = join(d, "conv.jsonl");
    const turn = (role: string, text: string) => ({ role, content: [{ text }] });
    const recs = Array.from({ length: 12 }, (_, i) => ({ schemaVersion: "bedrock-conversation-2024", messages: [turn("user", `Question ${i}?`), turn("assistant", `Answer ${i}.`)] }));
    (recs[2]!.messages[1]!.content as unknown[])[0] = { video: { format: "mp4" } }; // not a block the format takes
    recs[4]!.messages[0]!.role = "usr";
    delete (recs[6]!.messages[1] as { content?: unknown }).content;
    (recs[8] as Record<string, unknown>).note = "left over";
    recs[10]!.messages[1]!.content[0]!.text = "long ".repeat(40000); // over nova-micro's per-record total at batch size 1
    writeFileSync(f, recs.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const r = await run(["report", f, "--model", "nova-micro", "-o", join(d, "c.html")]);
    expect(r.code).toBe(1);
    const { document } = page(join(d, "c.html"));
    const marked = (line: number) => {
      const ex = [...document.querySelectorAll(".example")].filter((e) => e.querySelector(".where")!.textContent!.startsWith(`${f}:${line}:`));
      expect(ex.length, `an example for line ${line}`).toBeGreaterThan(0);
      return ex.flatMap((e) => [...e.querySelectorAll("mark.offending")].map((m) => m.closest("[data-path]")?.getAttribute("data-path") + "=" + m.textContent!.slice(0, 20)));
    };
    expect(marked(3)).toEqual([expect.stringMatching(/^messages\[1\]\.content\[0\]=video/)]);
    expect(marked(5)).toEqual(["messages[0]=usr"]);
    expect(marked(7)).toContain("messages[1]=content: missing");
    expect(marked(9)).toEqual(["note=note: \"left over\""]);
    // The token limit counts every turn of the record: each turn's role is marked, the others' records none.
    expect(marked(11)).toEqual(["messages[0]=user", "messages[1]=assistant"]);
    expect(document.querySelectorAll("article.record mark.offending").length).toBe(0);
  });

  it("duplicate groups: the first record's place and its copies' across files, as many as validate counts", async () => {
    const d = tmp();
    writeFileSync(join(d, "a.jsonl"), ['{"prompt":"a","completion":"b"}', '{"prompt":"c","completion":"d"}', '{"prompt":"a",  "completion":"b"}', '{"prompt":"e","completion":"f"}', '{"prompt":"c","completion":"d"}'].join("\n") + "\n");
    // The same text written with an escape is another line to validate's digest (it reads the bytes): not a duplicate.
    writeFileSync(join(d, "b.jsonl"), '\n{"prompt":"a","completion":"b"}\n{"prompt":"\\u0061","completion":"b"}\n');
    const r = await run(["report", join(d, "a.jsonl"), join(d, "b.jsonl"), "-o", join(d, "d.html")]);
    expect(r.code, r.stderr).toBe(1); // b.jsonl's blank first line, refused as validate refuses it
    const { document } = page(join(d, "d.html"));
    expect([...document.querySelectorAll("details.duplicates summary")].map((s) => s.textContent)).toEqual([`${join(d, "a.jsonl")}:1 and 2 copies: ${join(d, "a.jsonl")}:3, ${join(d, "b.jsonl")}:2`, `${join(d, "a.jsonl")}:2 and 1 copy: ${join(d, "a.jsonl")}:5`]);
    writeFileSync(join(d, "ab.jsonl"), readFileSync(join(d, "a.jsonl"), "utf8") + readFileSync(join(d, "b.jsonl"), "utf8"));
    const v = JSON.parse((await run(["validate", join(d, "ab.jsonl"), "--json"])).stdout) as { counts: Record<string, { errors: number; warnings: number }> };
    expect(v.counts.duplicate!.warnings).toBe(3);
    expect(num(document.querySelector('[data-key="duplicates"]')!.textContent)).toBe(3);
    expect(v.counts["json-syntax"]!.errors).toBe(1);
    expect(document.querySelector('details[data-reason="json-syntax"]')!.textContent).toContain(`${join(d, "b.jsonl")}:1: blank line`);
  });

  it("synth output with its --metadata shows origins, judge scores and topics; eval output shows the models' metrics and win rates", async () => {
    const s = await teacher();
    const d = tmp();
    const y = await run(["synth", docsCsv(d, 6), ...openai(s), "--pairs", "2", "--include-originals", "--verify", "--metadata", join(d, "m.jsonl"), "-o", join(d, "syn.jsonl")], { env: { PREP_DATA_TEACHER_BACKOFF_MS: "10" } });
    expect(y.code, y.stderr).toBe(0);
    const r = await run(["report", join(d, "syn.jsonl"), "--metadata", join(d, "m.jsonl"), "-o", join(d, "s.html")]);
    expect(r.code, r.stderr).toBe(0);
    const { document } = page(join(d, "s.html"));
    const text = document.body.textContent!;
    expect(text).toContain("records by origin");
    expect(text).toContain("pairs by judge score");
    expect(text).toContain("pairs by topic");
    writeFileSync(join(d, "eval.jsonl"), readFileSync(join(ROOT, "README.md"), "utf8").slice(0, 0) + ["What is 2+2?", "Name a river."].map((q, i) => JSON.stringify({ prompt: `${q}\n\n${q} ${i}`, referenceResponse: `${q} ${i}` })).join("\n") + "\n");
    const e = await run(["eval", join(d, "eval.jsonl"), "--model", "base=openai:student-base", "--model", "tuned=openai:student-tuned", "--judge", "openai:judge", "--base-url", `${s.url}/v1`, "--no-cache", "-o", join(d, "results.jsonl")], { env: { PREP_DATA_TEACHER_BACKOFF_MS: "10" } });
    expect(e.code, e.stderr).toBe(0);
    const er = await run(["report", join(d, "results.jsonl"), "-o", join(d, "e.html")]);
    expect(er.code, er.stderr).toBe(0);
    const ed = page(join(d, "e.html")).document;
    expect([...ed.querySelectorAll("#eval-models th")].map((t) => t.textContent)).toEqual(expect.arrayContaining(["base", "tuned"]));
    expect(ed.querySelector("#eval-pairs")!.textContent).toMatch(/base vs tuned.*tuned 2.*0\.0 %/s);
  });
});

describe("report over every record kind prep-data writes", () => {
  it("conversation with reasoning, rft, preference and cpt records: each page has its counts, charts and the records rendered with their blocks marked", async () => {
    const d = tmp();
    writeFileSync(join(d, "m.csv"), "q,a,r\nWhat is 2+2?,4,Two plus two is four.\nWhat is 3+3?,6,Three plus three is six.\n");
    writeFileSync(join(d, "p.jsonl"), ['{"prompt":"Say hi","chosen":"Hi!","rejected":"Go away."}', '{"prompt":"Say bye","chosen":"Bye!","rejected":"No."}'].join("\n") + "\n");
    writeFileSync(join(d, "notes.txt"), Array.from({ length: 80 }, (_, i) => `Line ${i} of the notes about pumps, filters and valves.`).join("\n") + "\n");
    const make = [
      ["csv", join(d, "m.csv"), "--format", "conversation", "--prompt", "{q}", "--completion", "{a}", "--reasoning", "{r}", "-o", join(d, "conv.jsonl")],
      ["csv", join(d, "m.csv"), "--format", "rft", "--prompt", "{q}", "--reference", "{a}", "-o", join(d, "rft.jsonl")],
      ["convert", join(d, "p.jsonl"), "--to", "preference", "-o", join(d, "pref.jsonl")],
      ["text", join(d, "notes.txt"), "--format", "cpt", "-o", join(d, "cpt.jsonl")],
    ];
    for (const args of make) expect((await run(args)).code, args.join(" ")).toBe(0);
    const expectMark: Record<string, string> = { conv: ".mark.reasoning", rft: ".turn.reference", pref: ".turn.assistant", cpt: ".turn.text" };
    for (const kind of ["conv", "rft", "pref", "cpt"]) {
      const r = await run(["report", join(d, `${kind}.jsonl`), "-o", join(d, `${kind}.html`)]);
      expect(r.code, `${kind}: ${r.stderr}`).toBe(0);
      const { document } = page(join(d, `${kind}.html`));
      expect(num(document.querySelector('[data-key="records"]')!.textContent), kind).toBeGreaterThan(0);
      expect(document.querySelectorAll("figure svg").length, kind).toBeGreaterThanOrEqual(2);
      expect(document.querySelector(`article.record ${expectMark[kind]}`), kind).toBeTruthy();
    }
    expect(page(join(d, "pref.html")).document.body.textContent).toContain("assistant (non-preferred)");
  });
});

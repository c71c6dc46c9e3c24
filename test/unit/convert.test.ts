import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lines, run, tmp } from "../helpers/run.js";
import { committedSchemaValidator } from "../helpers/schemas.js";

function jsonl(rows: object[], name = "in.jsonl"): string {
  const p = join(tmp(), name);
  writeFileSync(p, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return p;
}

const openai = [
  { messages: [{ role: "system", content: "You are a concise travel assistant." }, { role: "user", content: "Best time to visit Kyoto?" }, { role: "assistant", content: "Late March to early April, or November for autumn leaves." }] },
  // two user turns in a row, then the assistant
  { messages: [{ role: "user", content: "I need a hotel." }, { role: "user", content: "Near Gion, under 150 euros." }, { role: "assistant", content: "Try a machiya guesthouse near Shijo." }] },
  // ends with the user
  { messages: [{ role: "user", content: "Is the JR pass worth it?" }, { role: "assistant", content: "Only for long trips." }, { role: "user", content: "What about Osaka day trips?" }] },
  // an empty turn
  { messages: [{ role: "user", content: "Hello" }, { role: "assistant", content: "" }] },
  // a system message in the middle
  { messages: [{ role: "user", content: "Hi" }, { role: "system", content: "Switch to French." }, { role: "assistant", content: "Bonjour" }] },
  // a tool call
  { messages: [{ role: "user", content: "Weather in Osaka?" }, { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "weather", arguments: "{}" } }] }, { role: "tool", content: "22C", tool_call_id: "c1" }, { role: "assistant", content: "22°C and sunny." }] },
  // an image without an S3 URI
  { messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }, { role: "assistant", content: "A cat." }] },
  // starts with the assistant
  { messages: [{ role: "assistant", content: "How can I help?" }, { role: "user", content: "Book a table." }, { role: "assistant", content: "For how many?" }] },
];

describe("prep-data convert", () => {
  it("OpenAI chat → messages: merges, trims, drops with warnings; rejects what Bedrock cannot express, with its line", async () => {
    const input = jsonl(openai);
    const r = await run(["convert", input, "--to", "messages"]);
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out).toEqual([
      { system: "You are a concise travel assistant.", messages: [{ role: "user", content: "Best time to visit Kyoto?" }, { role: "assistant", content: "Late March to early April, or November for autumn leaves." }] },
      { messages: [{ role: "user", content: "I need a hotel.\n\nNear Gion, under 150 euros." }, { role: "assistant", content: "Try a machiya guesthouse near Shijo." }] },
      { messages: [{ role: "user", content: "Is the JR pass worth it?" }, { role: "assistant", content: "Only for long trips." }] },
      { messages: [{ role: "user", content: "Book a table." }, { role: "assistant", content: "For how many?" }] },
    ]);
    expect(r.stderr).toContain(`${input}:2: merged-turns`);
    expect(r.stderr).toContain(`${input}:3: trimmed-trailing-user`);
    expect(r.stderr).toContain(`${input}:4: empty: message 1 (assistant) is empty`);
    expect(r.stderr).toContain(`${input}:5: system-position`);
    expect(r.stderr).toContain(`${input}:6: tool-call`);
    expect(r.stderr).toContain(`${input}:7: unsupported-content`);
    expect(r.stderr).toContain(`${input}:8: dropped-leading-assistant`);
    expect(r.stderr).toMatch(/read 8, written 4, rejected 4/);
    const v = committedSchemaValidator("messages");
    expect(out.every((x) => v(x))).toBe(true);
  });

  it("--trailing-user report and --consecutive report reject instead of repairing", async () => {
    const r = await run(["convert", jsonl(openai.slice(1, 3)), "--to", "messages", "--trailing-user", "report", "--consecutive", "report"]);
    expect(r.code).toBe(3);
    expect(lines(r.stdout)).toEqual([]);
    expect(r.stderr).toMatch(/rejected 2 \(role-order 2\)/);
  });

  it("ShareGPT and Alpaca → conversation, passing the committed schema", async () => {
    const share = jsonl([
      { conversations: [{ from: "system", value: "You answer in one sentence." }, { from: "human", value: "Why is the sky blue?" }, { from: "gpt", value: "Rayleigh scattering favours short wavelengths." }, { from: "human", value: "And sunsets?" }, { from: "gpt", value: "Light crosses more air, so the blue scatters away." }] },
      { conversations: [{ from: "human", value: "Run it" }, { from: "function_call", value: "{}" }, { from: "gpt", value: "done" }] },
    ]);
    const s = await run(["convert", share, "--to", "conversation"]);
    expect(lines(s.stdout)).toEqual([
      {
        schemaVersion: "bedrock-conversation-2024",
        system: [{ text: "You answer in one sentence." }],
        messages: [
          { role: "user", content: [{ text: "Why is the sky blue?" }] },
          { role: "assistant", content: [{ text: "Rayleigh scattering favours short wavelengths." }] },
          { role: "user", content: [{ text: "And sunsets?" }] },
          { role: "assistant", content: [{ text: "Light crosses more air, so the blue scatters away." }] },
        ],
      },
    ]);
    expect(s.stderr).toContain(":2: tool-call");
    const alpaca = jsonl([
      { instruction: "Translate to French.", input: "Good morning", output: "Bonjour" },
      { instruction: "Name a prime number.", input: "", output: "7" },
    ], "alpaca.json");
    const a = await run(["convert", alpaca, "--to", "conversation", "--system", "You are precise."]);
    expect(a.code, a.stderr).toBe(0);
    const recs = lines(a.stdout) as { messages: { content: { text: string }[] }[] }[];
    // instruction and input joined by one newline, as LLaMA-Factory (alpaca's main reader) joins them.
    expect(recs.map((x) => x.messages[0]!.content[0]!.text)).toEqual(["Translate to French.\nGood morning", "Name a prime number."]);
    const v = committedSchemaValidator("conversation");
    expect([...lines(s.stdout), ...recs].every((x) => v(x))).toBe(true);
    const instr = await run(["convert", alpaca, "--to", "instruction"]);
    expect(lines(instr.stdout)).toEqual([{ prompt: "Translate to French.\nGood morning", completion: "Bonjour" }, { prompt: "Name a prime number.", completion: "7" }]);
    // Alpaca's history is earlier turns of the conversation: carried over, never dropped.
    const hist = jsonl([{ instruction: "And in German?", input: "", output: "Guten Morgen", history: [["Say good morning in French.", "Bonjour"]] }], "hist.json");
    const h = await run(["convert", hist, "--to", "messages"]);
    expect(h.code, h.stderr).toBe(0);
    expect(lines(h.stdout)).toEqual([{ messages: [{ role: "user", content: "Say good morning in French." }, { role: "assistant", content: "Bonjour" }, { role: "user", content: "And in German?" }, { role: "assistant", content: "Guten Morgen" }] }]);
    const hi = await run(["convert", hist, "--to", "instruction"]);
    expect(hi.code).toBe(3); // four turns do not fit one prompt/completion: refused with the reason, not cut (nothing written: 3)
    expect(hi.stderr).toMatch(/instruction holds exactly one user turn and one assistant turn, got 4 turns/);
  });

  it("round-trips: messages → conversation → messages gives the original", async () => {
    const original = [
      { system: "Be brief.", messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }, { role: "assistant", content: "d" }] },
      { messages: [{ role: "user", content: "line 1\nline 2" }, { role: "assistant", content: "ünïcödé 中文" }] },
    ];
    const src = jsonl(original);
    const mid = join(tmp(), "conv.jsonl");
    expect((await run(["convert", src, "--to", "conversation", "-o", mid])).code).toBe(0);
    const back = await run(["convert", mid, "--to", "messages"]);
    expect(lines(back.stdout)).toEqual(original);
    expect(back.stdout).toBe(readFileSync(src, "utf8"));
  });

  it("--max-tokens with --too-long split|drop|error, counted in the summary", async () => {
    const long = { messages: Array.from({ length: 8 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `turn ${i} ` + "word ".repeat(40) })), system: "sys" };
    const input = jsonl([long, openai[0]!]);
    const split = await run(["convert", input, "--to", "messages", "--max-tokens", "100", "--too-long", "split"]);
    expect(split.code, split.stderr).toBe(0);
    const parts = lines(split.stdout) as { system?: string; messages: { role: string; content: string }[] }[];
    expect(parts).toHaveLength(5);
    for (const p of parts.slice(0, 4)) {
      expect(p.system).toBe("sys");
      expect(p.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    }
    expect(parts.slice(0, 4).map((p) => p.messages[0]!.content.split(" ")[1])).toEqual(["0", "2", "4", "6"]);
    expect(split.stderr).toMatch(/written 5, .*warnings: split 1/);
    const drop = await run(["convert", input, "--to", "messages", "--max-tokens", "100", "--too-long", "drop"]);
    expect(drop.code).toBe(0);
    expect(lines(drop.stdout)).toHaveLength(1);
    expect(drop.stderr).toContain("too-long-dropped 1");
    const err = await run(["convert", input, "--to", "messages", "--max-tokens", "100"]);
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/rejected 1 \(too-long 1\)/);
  });
});

describe("dialogsum --turns", () => {
  it("speaker-tagged dialogue → multi-turn messages through the bundled cache", async () => {
    const r = await run(["dialogsum", "--format", "messages", "--turns", "--limit", "2", "-o", "-"], { env: { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(import.meta.dirname, "../../fixtures/hf-cache") } });
    expect(r.code, r.stderr).toBe(0);
    const [first, second] = lines(r.stdout) as { messages: { role: string; content: string }[] }[];
    expect(first!.messages).toEqual([
      { role: "user", content: "Did you water the tomatoes this morning?" },
      { role: "assistant", content: "I did, but the hose is leaking again." },
    ]);
    expect(r.stderr).toContain("trimmed-trailing-user"); // "Then let's buy a new one on Saturday." had no reply
    expect(second!.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    const instr = await run(["dialogsum", "--turns"], { env: { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(import.meta.dirname, "../../fixtures/hf-cache") } });
    expect(instr.code).toBe(2);
  });

  it("the speakers are --user-speaker and --assistant-speaker (--user is a template in every other command); the old names still work, with a warning", async () => {
    const env = { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(import.meta.dirname, "../../fixtures/hf-cache") };
    const swapped = await run(["dialogsum", "--format", "messages", "--turns", "--limit", "1", "--user-speaker", "#Person2#", "--assistant-speaker", "#Person1#", "--leading-assistant", "drop", "-o", "-"], { env });
    expect(swapped.code, swapped.stderr).toBe(0);
    expect((lines(swapped.stdout)[0] as { messages: { role: string; content: string }[] }).messages[0]).toEqual({ role: "user", content: "I did, but the hose is leaking again." });
    expect(swapped.stderr).not.toMatch(/deprecated/);
    const old = await run(["dialogsum", "--format", "messages", "--turns", "--limit", "1", "--user", "#Person2#", "--assistant", "#Person1#", "-o", "-"], { env });
    expect(old.code, old.stderr).toBe(0);
    expect(old.stdout).toBe(swapped.stdout);
    expect(old.stderr).toMatch(/warning: dialogsum --user is deprecated .*: use --user-speaker/);
    const help = await run(["dialogsum", "--help"]);
    expect(help.stdout).toMatch(/--user-speaker <speaker>/);
    expect(help.stdout).not.toMatch(/--user <speaker>/);
  });
});

describe("split and merge name their files as the data commands do", () => {
  it("--validation-output and --test-output, with --validation and --test as aliases; both names at once must agree", async () => {
    const d = tmp();
    const f = join(d, "all.jsonl");
    writeFileSync(f, Array.from({ length: 50 }, (_, i) => JSON.stringify({ prompt: `q${i}`, completion: `a${i}` })).join("\n") + "\n");
    const a = await run(["split", f, "--validation-fraction", "0.2", "--validation-output", join(d, "v1.jsonl"), "-o", join(d, "t1.jsonl")]);
    expect(a.code, a.stderr).toBe(0);
    const b = await run(["split", f, "--validation-fraction", "0.2", "--validation", join(d, "v2.jsonl"), "-o", join(d, "t2.jsonl")]);
    expect(b.code, b.stderr).toBe(0);
    expect(readFileSync(join(d, "v1.jsonl"), "utf8")).toBe(readFileSync(join(d, "v2.jsonl"), "utf8"));
    expect(readFileSync(join(d, "v1.jsonl"), "utf8").length).toBeGreaterThan(0);
    const both = await run(["split", f, "--validation-fraction", "0.2", "--validation", join(d, "v3.jsonl"), "--validation-output", join(d, "v4.jsonl"), "-o", join(d, "t3.jsonl")]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--validation is another name of --validation-output: give one/);
    const m = await run(["merge", f, "--test-fraction", "0.1", "--test-output", join(d, "mt.jsonl"), "-o", join(d, "m.jsonl")]);
    expect(m.code, m.stderr).toBe(0);
    expect(readFileSync(join(d, "mt.jsonl"), "utf8").length).toBeGreaterThan(0);
  });
});

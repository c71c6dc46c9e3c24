import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { docsCsv } from "../helpers/docs.js";
import { lines, run, tmp } from "../helpers/run.js";

const jsonl = (d: string, name: string, recs: unknown[]) => {
  const p = join(d, name);
  writeFileSync(p, recs.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return p;
};

describe("one dataset, any trainer: --target", () => {
  it("the same CSV written for Bedrock, an OpenAI-chat service, Vertex and LLaMA-Factory in four commands, each file passing its target's checks and refused by another's with the rule", async () => {
    const d = tmp();
    const csv = docsCsv(d, 24);
    const common = ["--prompt", "{document}\n\n{question}", "--completion", "{answer}", "--system", "Answer from the document."];
    const out = (t: string) => join(d, `${t}.jsonl`);
    const made = await Promise.all([
      run(["csv", csv, "--format", "conversation", ...common, "--model", "nova-lite", "-o", out("bedrock")]),
      run(["csv", csv, "--target", "openai", ...common, "-o", out("openai")]),
      run(["csv", csv, "--target", "vertex", ...common, "-o", out("vertex")]),
      run(["csv", csv, "--target", "llama-factory", ...common, "-o", out("llama-factory")]),
    ]);
    for (const m of made) expect(m.code, m.stderr).toBe(0);
    // Each in its target's shape.
    expect(lines(readFileSync(out("openai"), "utf8"))[0]).toEqual({ messages: [{ role: "system", content: "Answer from the document." }, { role: "user", content: expect.stringContaining("What is document 0 about?") }, { role: "assistant", content: "It is about rivers." }] });
    expect(lines(readFileSync(out("vertex"), "utf8"))[0]).toEqual({ systemInstruction: { parts: [{ text: "Answer from the document." }] }, contents: [{ role: "user", parts: [{ text: expect.stringContaining("What is document 0 about?") }] }, { role: "model", parts: [{ text: "It is about rivers." }] }] });
    expect(lines(readFileSync(out("llama-factory"), "utf8"))[0]).toEqual({ instruction: expect.stringContaining("What is document 0 about?"), input: "", output: "It is about rivers.", system: "Answer from the document." });
    // Each passes its own target's checks.
    for (const [t, how] of [["bedrock", ["--model", "nova-lite"]], ["openai", ["--target", "openai"]], ["vertex", ["--target", "vertex"]], ["llama-factory", ["--target", "llama-factory"]]] as const) {
      const v = await run(["validate", out(t), ...how, "--json"]);
      expect(v.code, `${t}: ${v.stdout.slice(0, 2000)}`).toBe(0);
    }
    // The openai-chat file is also Azure's, Together's, Fireworks' and TRL's; Vertex and Bedrock's Nova refuse it, naming what they take.
    for (const t of ["azure", "together", "fireworks", "trl", "axolotl"]) expect((await run(["validate", out("openai"), "--target", t, "-q"])).code, t).toBe(0);
    const vx = await run(["validate", out("openai"), "--target", "vertex"]);
    expect(vx.code).toBe(1);
    expect(vx.stdout + vx.stderr).toContain("vertex does not take openai-chat records; it takes vertex (fine-tuning)");
    const nova = await run(["validate", out("openai"), "--model", "nova-lite"]);
    expect(nova.code).toBe(1);
    const lf = await run(["validate", out("llama-factory"), "--target", "openai"]);
    expect(lf.stdout + lf.stderr).toContain("openai does not take alpaca records; it takes openai-chat/openai-preference (fine-tuning)");
  });

  it("openai-chat with tool calls, tool results and weights: OpenAI takes them, Together and Fireworks refuse them with the rule and its source; the per-example limit and record minimum apply", async () => {
    const d = tmp();
    const tool = {
      messages: [
        { role: "system", content: "Use the tools." },
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "c1", content: "18C" },
        { role: "assistant", content: "It is 18 °C in Paris.", weight: 1 },
      ],
      tools: [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
    };
    const plain = (i: number) => ({ messages: [{ role: "user", content: `Question ${i}?` }, { role: "assistant", content: `Answer ${i}.` }] });
    const f = jsonl(d, "tools.jsonl", [tool, ...Array.from({ length: 11 }, (_, i) => plain(i))]);
    const oa = await run(["validate", f, "--target", "openai", "--json"]);
    expect(oa.code, oa.stdout).toBe(0);
    expect(oa.stderr).toContain("takes new jobs until 2027-01-06"); // OpenAI's wind-down, said on every run
    const tg = await run(["validate", f, "--target", "together"]);
    expect(tg.code).toBe(1);
    expect(tg.stdout).toMatch(/:1: role: messages\[3\]\.role is "tool"; together takes system, user, assistant \[TG1\]/);
    expect(tg.stdout).toMatch(/:1: tools: messages\[2\]: together does not take tool calls/);
    expect(tg.stdout).toMatch(/:1: tools: tools: together does not take tool definitions/);
    expect(tg.stdout).toMatch(/:1: schema: messages\[4\]\.weight: together does not document per-message weights/);
    const fw = await run(["validate", f, "--target", "fireworks", "--json"]);
    expect(fw.code).toBe(1);
    expect((JSON.parse(fw.stdout) as { counts: Record<string, { errors: number }> }).counts.tools!.errors).toBe(2);
    // 11 records pass, 10 is OpenAI's minimum: a file of 9 does not.
    const few = jsonl(d, "few.jsonl", Array.from({ length: 9 }, (_, i) => plain(i)));
    const nine = await run(["validate", few, "--target", "openai"]);
    expect(nine.code).toBe(1);
    expect(nine.stdout).toMatch(/record-count: 9 valid training records; the model needs at least 10/);
    // Over Azure's 65,536-token training example: an error there (confirmed), a warning for OpenAI (Azure's table, not OpenAI's own page).
    const long = jsonl(d, "long.jsonl", [{ messages: [{ role: "user", content: "word ".repeat(70_000) }, { role: "assistant", content: "ok" }] }, ...Array.from({ length: 10 }, (_, i) => plain(i))]);
    const az = await run(["validate", long, "--target", "azure"]);
    expect(az.code).toBe(1);
    expect(az.stdout).toMatch(/:1: token-limit: total has 70,0\d\d tokens \(o200k\), over azure's limit of 65,536/);
    const ol = await run(["validate", long, "--target", "openai"]);
    expect(ol.code).toBe(0);
    expect(ol.stdout).toMatch(/warning: .*:1: token-limit: total has 70,0\d\d tokens \(o200k\), over openai's limit of 65,536.*\(limit unconfirmed\)/);
  });

  it("each new format's own rules: a tool result answering no call, a weight on a user turn, a Vertex file outside Cloud Storage, ShareGPT turns out of order, TRL's mixed forms", async () => {
    const d = tmp();
    const cases: [string, unknown, RegExp][] = [
      ["openai-chat", { messages: [{ role: "user", content: "q" }, { role: "tool", tool_call_id: "x", content: "r" }, { role: "assistant", content: "a" }] }, /tools: messages\[1\]\.tool_call_id "x" answers no earlier tool call/],
      ["openai-chat", { messages: [{ role: "user", content: "q", weight: 0 }, { role: "assistant", content: "a" }] }, /schema: messages\[0\]\.weight: only assistant messages take a weight/],
      ["openai-chat", { messages: [{ role: "user", content: "q" }, { role: "assistant", content: "a", weight: 0 }] }, /role-order: messages has no assistant message to learn from/],
      ["vertex", { contents: [{ role: "user", parts: [{ fileData: { mimeType: "image/png", fileUri: "s3://b/k.png" } }, { text: "what is it?" }] }, { role: "model", parts: [{ text: "a cat" }] }] }, /media: contents\[0\]\.parts\[0\]\.fileData\.fileUri must be a Cloud Storage URI/],
      ["vertex", { contents: [{ role: "user", parts: [{ text: "q" }] }, { role: "user", parts: [{ text: "q2" }] }] }, /role-order: contents must alternate user\/model/],
      ["sharegpt", { conversations: [{ from: "gpt", value: "hi" }, { from: "human", value: "q" }] }, /role-order: conversations\[0\] is "gpt"; LLaMA-Factory takes human or observation at position 1/],
      ["trl-preference", { prompt: "q", chosen: [{ role: "assistant", content: "a" }], rejected: "b" }, /schema: prompt, chosen and rejected must all be strings \(standard\) or all message lists/],
      ["alpaca", { instruction: "q", output: "a", history: [["", "x"]] }, /empty: history\[0\]\[0\] \(the query\) is empty/],
    ];
    for (const [i, [format, rec, want]] of cases.entries()) {
      const f = jsonl(d, `c${i}.jsonl`, [rec]);
      const v = await run(["validate", f, "--format", format]);
      expect(v.code, `${format}: ${v.stdout}`).toBe(1);
      expect(v.stdout, format).toMatch(want);
    }
  });

  it("convert between trainers' shapes: round trips are identical where nothing is lost; what a target cannot hold is a finding, never a silent drop", async () => {
    const d = tmp();
    const alpaca = [
      { instruction: "Name a prime.", input: "", output: "7", system: "Be brief." },
      { instruction: "And an even one?", input: "", output: "2", history: [["Name a number.", "3"]] },
    ];
    const a = jsonl(d, "a.jsonl", alpaca);
    for (const via of ["openai-chat", "sharegpt", "vertex", "messages"]) {
      const there = await run(["convert", a, "--to", via, "-o", join(d, `${via}.jsonl`)]);
      expect(there.code, there.stderr).toBe(0);
      const back = await run(["convert", join(d, `${via}.jsonl`), "--to", "alpaca"]);
      expect(back.code, back.stderr).toBe(0);
      expect(lines(back.stdout), via).toEqual(alpaca);
    }
    const pairs = jsonl(d, "p.jsonl", [{ prompt: "Say hi", chosen: "Hi!", rejected: "Go away." }]);
    const op = await run(["convert", pairs, "--to", "openai-preference", "-o", join(d, "op.jsonl")]);
    expect(op.code, op.stderr).toBe(0);
    expect(lines(readFileSync(join(d, "op.jsonl"), "utf8"))).toEqual([{ input: { messages: [{ role: "user", content: "Say hi" }] }, preferred_output: [{ role: "assistant", content: "Hi!" }], non_preferred_output: [{ role: "assistant", content: "Go away." }] }]);
    const tp = await run(["convert", join(d, "op.jsonl"), "--to", "trl-preference"]);
    expect(lines(tp.stdout)).toEqual([{ prompt: "Say hi", chosen: "Hi!", rejected: "Go away." }]);
    // Tool calls into alpaca, an image into sharegpt, a pair into a chat format: each refused with its reason.
    const lossy = jsonl(d, "lossy.jsonl", [
      { messages: [{ role: "user", content: "q" }, { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] }, { role: "tool", tool_call_id: "c", content: "r" }, { role: "assistant", content: "a" }] },
      { contents: [{ role: "user", parts: [{ fileData: { mimeType: "image/png", fileUri: "gs://b/cat.png" } }, { text: "what?" }] }, { role: "model", parts: [{ text: "a cat" }] }] },
      { messages: [{ role: "user", content: "q" }, { role: "assistant", content: "a" }] },
    ]);
    const l = await run(["convert", lossy, "--to", "alpaca", "--rejects", join(d, "rej.jsonl")]);
    expect(l.code).toBe(1);
    expect(l.stderr).toMatch(/lossy\.jsonl:1: tool-call/);
    expect(l.stderr).toMatch(/lossy\.jsonl:2: unsupported-content: contents\[0\]\.parts\[0\]: a fileData part cannot be carried/);
    expect(lines(l.stdout)).toEqual([{ instruction: "q", input: "", output: "a" }]);
    expect(lines(readFileSync(join(d, "rej.jsonl"), "utf8"))).toHaveLength(2);
    const chat = await run(["convert", pairs, "--to", "openai-chat"]);
    expect(chat.code).toBe(3);
    expect(chat.stderr).toContain("converting it to a chat format would drop the rejected answer");
  });

  it("register: the file's entry added to LLaMA-Factory's dataset_info.json (other entries kept, a broken file left as it is), and the Axolotl config's datasets entry", async () => {
    const d = tmp();
    const alpaca = jsonl(d, "qa.jsonl", [{ instruction: "q", input: "", output: "a" }]);
    const chat = jsonl(d, "chat.jsonl", [{ messages: [{ role: "user", content: "q" }, { role: "assistant", content: "a" }] }]);
    writeFileSync(join(d, "dataset_info.json"), JSON.stringify({ mine: { file_name: "mine.json" } }));
    expect((await run(["register", alpaca, "--target", "llama-factory"])).code).toBe(0);
    expect((await run(["register", chat, "--target", "llama-factory", "--name", "chat"])).code).toBe(0);
    const info = JSON.parse(readFileSync(join(d, "dataset_info.json"), "utf8")) as Record<string, { file_name: string; formatting?: string; columns: Record<string, string>; tags?: Record<string, string>; file_sha1: string }>;
    expect(Object.keys(info)).toEqual(["mine", "qa", "chat"]);
    expect(info.qa).toMatchObject({ file_name: "qa.jsonl", formatting: "alpaca", columns: { prompt: "instruction", query: "input", response: "output" } });
    expect(info.qa!.file_sha1).toMatch(/^[0-9a-f]{40}$/);
    expect(info.chat).toMatchObject({ file_name: "chat.jsonl", formatting: "sharegpt", columns: { messages: "messages" }, tags: { role_tag: "role", content_tag: "content", user_tag: "user", assistant_tag: "assistant" } });
    writeFileSync(join(d, "dataset_info.json"), "{ not json");
    const broken = await run(["register", alpaca, "--target", "llama-factory"]);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain("dataset_info.json: not JSON");
    expect(readFileSync(join(d, "dataset_info.json"), "utf8")).toBe("{ not json");
    const vx = jsonl(d, "vx.jsonl", [{ contents: [{ role: "user", parts: [{ text: "q" }] }, { role: "model", parts: [{ text: "a" }] }] }]);
    const refused = await run(["register", vx, "--target", "llama-factory"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("a vertex record; llama-factory takes alpaca, sharegpt, openai-chat, text");
    const ax = await run(["register", chat, "--target", "axolotl"]);
    expect(ax.code).toBe(0);
    expect(ax.stdout).toBe(`datasets:\n  - path: ${chat}\n    ds_type: json\n    type: chat_template\n    field_messages: messages\n    message_property_mappings:\n      role: role\n      content: content\n`);
  });

  it("the examples the targets' pages publish pass validate --target; mutated copies are refused with the expected rule", async () => {
    const d = tmp();
    // Each page's own example record (abridged where the page's text runs on), its target and format, and a mutation.
    const cases: { page: string; target: string; format: string; record: Record<string, unknown>; mutate: (r: Record<string, unknown>) => unknown; refusedBy: RegExp }[] = [
      {
        page: "OpenAI cookbook, chat fine-tuning data prep (toy_chat_fine_tuning.jsonl)",
        target: "openai",
        format: "openai-chat",
        record: { messages: [{ role: "system", content: "You are a happy assistant that puts a positive spin on everything." }, { role: "user", content: "I fell off my bike today." }, { role: "assistant", content: "It's great that you're getting exercise outdoors!" }] },
        mutate: (r) => ({ ...r, messages: (r.messages as object[]).slice(0, 2) }),
        refusedBy: /role-order: messages has no assistant message to learn from/,
      },
      {
        page: "Azure OpenAI, fine-tuning and tool calling",
        target: "azure",
        format: "openai-chat",
        record: {
          messages: [
            { role: "user", content: "What is the weather in San Francisco?" },
            { role: "assistant", tool_calls: [{ id: "call_id", type: "function", function: { name: "get_current_weather", arguments: '{"location": "San Francisco, USA", "format": "celsius"}' } }] },
          ],
          tools: [{ type: "function", function: { name: "get_current_weather", description: "Get the current weather", parameters: { type: "object", properties: { location: { type: "string" }, format: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["location", "format"] } } }],
        },
        mutate: (r) => ({ ...r, messages: [...(r.messages as object[]), { role: "tool", tool_call_id: "other_id", content: "18" }] }),
        refusedBy: /tools: messages\[2\]\.tool_call_id "other_id" answers no earlier tool call/,
      },
      {
        page: "OpenAI, direct preference optimization",
        target: "openai",
        format: "openai-preference",
        record: { input: { messages: [{ role: "user", content: "Hello, can you tell me how cold San Francisco is today?" }], tools: [], parallel_tool_calls: true }, preferred_output: [{ role: "assistant", content: "Today in San Francisco, it is not quite cold as expected. Morning clouds will give away to sunshine, with a high near 68°F (20°C) and a low around 57°F (14°C)." }], non_preferred_output: [{ role: "assistant", content: "It is not particularly cold in San Francisco today." }] },
        mutate: (r) => ({ ...r, non_preferred_output: [] }),
        refusedBy: /non_preferred_output.*exactly one assistant message/,
      },
      {
        page: "Together AI, data preparation (conversational)",
        target: "together",
        format: "openai-chat",
        record: { messages: [{ role: "system", content: "This is a system prompt." }, { role: "user", content: "Hello, how are you?" }, { role: "assistant", content: "I'm doing well, thank you! How can I help you?" }, { role: "user", content: "Can you explain machine learning?" }, { role: "assistant", content: "Machine learning is…" }] },
        mutate: (r) => ({ messages: [(r.messages as object[])[0], (r.messages as object[])[2], (r.messages as object[])[1]] }),
        refusedBy: /role-order: messages\[1\] is "assistant"; together takes an optional system message, then user and assistant alternating/,
      },
      {
        page: "Fireworks, fine-tuning models",
        target: "fireworks",
        format: "openai-chat",
        record: { messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "What is the capital of France?" }, { role: "assistant", content: "Paris." }] },
        mutate: (r) => ({ messages: [{ role: "developer", content: "Be brief." }, ...(r.messages as object[]).slice(1)] }),
        refusedBy: /role: messages\[0\]\.role is "developer"; fireworks takes system, user, assistant \[FW1\]/,
      },
      {
        page: "Vertex AI, prepare supervised fine-tuning data for Gemini",
        target: "vertex",
        format: "vertex",
        record: { systemInstruction: { role: "system", parts: [{ text: "You are a pirate dog named Captain Barktholomew." }] }, contents: [{ role: "user", parts: [{ text: "Hi" }] }, { role: "model", parts: [{ text: "Argh! What brings ye to my ship?" }] }, { role: "user", parts: [{ text: "What's your name?" }] }, { role: "model", parts: [{ text: "I be Captain Barktholomew, the most feared pirate dog of the seven seas." }] }] },
        mutate: (r) => ({ ...r, contents: (r.contents as { role: string }[]).map((c) => ({ ...c, role: c.role === "model" ? "assistant" : c.role })) }),
        refusedBy: /schema: contents\[1\]\.role must be "user" or "model", found "assistant"/,
      },
      {
        page: "Hugging Face TRL, dataset formats (preference, standard)",
        target: "trl",
        format: "trl-preference",
        record: { prompt: "The sky is", chosen: " blue.", rejected: " green." },
        mutate: (r) => ({ prompt: r.prompt, chosen: r.chosen }),
        refusedBy: /schema: missing key rejected/,
      },
      {
        page: "LLaMA-Factory, data/README (alpaca)",
        target: "llama-factory",
        format: "alpaca",
        record: { instruction: "human instruction (required)", input: "human input (optional)", output: "model response (required)", system: "system prompt (optional)", history: [["human instruction in the first round (optional)", "model response in the first round (optional)"]] },
        mutate: (r) => ({ ...r, output: undefined }),
        refusedBy: /schema: missing key output/,
      },
      {
        page: "LLaMA-Factory, data/README (sharegpt, with a function call)",
        target: "llama-factory",
        format: "sharegpt",
        record: { conversations: [{ from: "human", value: "human instruction" }, { from: "function_call", value: "tool arguments" }, { from: "observation", value: "tool result" }, { from: "gpt", value: "model response" }], system: "system prompt (optional)", tools: "[]" },
        mutate: (r) => ({ ...r, conversations: (r.conversations as object[]).slice(1) }),
        refusedBy: /role-order: conversations\[0\] is "function_call"; LLaMA-Factory takes human or observation at position 1/,
      },
    ];
    for (const [i, c] of cases.entries()) {
      const ok = jsonl(d, `ok${i}.jsonl`, [c.record]);
      // -n: the record rules only (one record is below every minimum, a file-level rule).
      const v = await run(["validate", ok, "--target", c.target, "--format", c.format, "-n", "10"]);
      expect(v.code, `${c.page}: ${v.stdout}`).toBe(0);
      const bad = jsonl(d, `bad${i}.jsonl`, [c.mutate(c.record)]);
      const m = await run(["validate", bad, "--target", c.target, "--format", c.format, "-n", "10"]);
      expect(m.code, c.page).toBe(1);
      expect(m.stdout, c.page).toMatch(c.refusedBy);
    }
  });

  it("models lists the targets; a mistyped target gets the nearest name; --target with --model, and job create with a target, are usage errors", async () => {
    const m = await run(["models"]);
    for (const t of ["openai", "azure", "together", "fireworks", "vertex", "trl", "llama-factory", "axolotl"]) expect(m.stdout).toMatch(new RegExp(`^${t} `, "m"));
    const one = await run(["models", "vertex"]);
    expect(one.stdout).toMatch(/total tokens: ≤ 131,072 at batch 1\+ \[VX1\]/);
    expect(one.stdout).toContain("VX1: https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning");
    const typo = await run(["validate", "x.jsonl", "--target", "vertx"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown target "vertx"; did you mean vertex?');
    const both = await run(["validate", "x.jsonl", "--target", "openai", "--model", "haiku"]);
    expect(both.code).toBe(2);
    const job = await run(["job", "create", "--model", "openai", "--train", "s3://b/t.jsonl", "--output", "s3://b/o/", "--role-arn", "arn:aws:iam::123456789012:role/r", "--name", "j"]);
    expect(job.code).toBe(2);
    expect(job.stderr).toContain("job create starts Bedrock jobs");
  });
});

describe("-o FILE.parquet: the same records as Parquet with nested columns", () => {
  it("records read back from the Parquet file equal the JSONL ones (lists of structs, optional fields); a field of mixed shapes is a JSON column; prep-data reads it back; a failed run leaves no file", async () => {
    const { parquetReadObjects } = await import("hyparquet");
    const d = tmp();
    const src = jsonl(d, "src.jsonl", [
      { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "q1" }, { role: "assistant", content: "a1", weight: 1 }] },
      { messages: [{ role: "user", content: "ünïcödé 中文" }, { role: "assistant", content: "a2" }] },
      { messages: [{ role: "user", content: [{ type: "text", text: "parts" }] }, { role: "assistant", content: "a3" }] },
    ]);
    for (const ext of ["jsonl", "parquet"]) {
      const r = await run(["convert", src, "--to", "openai-chat", "--from", "openai", "-o", join(d, `out.${ext}`)]);
      expect(r.code, r.stderr).toBe(0);
    }
    const want = lines(readFileSync(join(d, "out.jsonl"), "utf8"));
    const buf = readFileSync(join(d, "out.parquet"));
    expect(buf.subarray(0, 4).toString()).toBe("PAR1");
    const rows = (await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) })) as { messages: { role: string; content: string; weight?: number | null }[] }[];
    // Absent optional fields read back as null: drop them to compare with the JSONL records.
    const strip = (v: unknown): unknown => (Array.isArray(v) ? v.map(strip) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, strip(x)])) : v);
    expect(rows.map(strip)).toEqual(want);
    // prep-data's own Parquet reader gives the same records back.
    const back = await run(["convert", join(d, "out.parquet"), "--to", "openai-chat"]);
    expect(back.code, back.stderr).toBe(0);
    expect(lines(back.stdout).map(strip)).toEqual(want);
    // A field that is a string in one record and a list in another: a JSON column, each value its JSON text.
    const mixed = jsonl(d, "mixed.jsonl", [{ prompt: "a", completion: "b", extra: "text" }, { prompt: "c", completion: "d", extra: [1, 2] }]);
    const ops = await run(["merge", mixed, "-o", join(d, "mixed.parquet")]);
    expect(ops.code, ops.stderr).toBe(0);
    const mb = readFileSync(join(d, "mixed.parquet"));
    const mrows = (await parquetReadObjects({ file: mb.buffer.slice(mb.byteOffset, mb.byteOffset + mb.byteLength) })) as { extra: unknown }[];
    expect(mrows.map((r) => r.extra)).toEqual(['"text"', "[1,2]"]);
    // Every record refused: nothing written, no temp left, an existing file untouched.
    writeFileSync(join(d, "keep.parquet"), "old");
    const none = await run(["convert", jsonl(d, "bad.jsonl", [{ nothing: 1 }]), "--to", "openai-chat", "-o", join(d, "keep.parquet")]);
    expect(none.code).toBe(3);
    expect(readFileSync(join(d, "keep.parquet"), "utf8")).toBe("old");
    expect(readdirSync(d).filter((f) => f.includes("prep-data-tmp"))).toEqual([]);
  });
});

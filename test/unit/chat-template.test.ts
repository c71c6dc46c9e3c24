import { writeFileSync } from "node:fs";
import { join } from "node:path";
import llama3 from "llama3-tokenizer-js";
import { describe, expect, it } from "vitest";
import { loadChatTemplate } from "../../src/templates/chat-template.js";
import { RecordChecker } from "../../src/validate/checker.js";
import { getFormat } from "../../src/formats/index.js";
import { lines, run, tmp } from "../helpers/run.js";

const PIRATE = "You are a friendly chatbot who always responds in the style of a pirate";

describe("chat templates: records as the trainer sees them", () => {
  it("the built-in templates render the formatted examples Meta and Hugging Face publish", () => {
    // Meta's Llama 3.1 prompt-format example (system prompt, one user turn, the assistant header to generate after).
    const l3 = loadChatTemplate("llama3.1").render([{ role: "system", content: "You are a helpful assistant" }, { role: "user", content: "What is the color of the sky?" }], { addGenerationPrompt: true, vars: { date_string: "23 July 2024" } });
    expect(l3).toBe("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 23 July 2024\n\nYou are a helpful assistant<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhat is the color of the sky?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    // Without a system prompt the system block is still there, empty after the dates (Meta's template does the same).
    expect(loadChatTemplate("llama3").render([{ role: "user", content: " Hi " }, { role: "assistant", content: "Hello" }])).toBe("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>");
    // The Llama 2 chat format as transformers' test data publishes it for this conversation.
    const l2 = loadChatTemplate("llama2").render([{ role: "system", content: PIRATE }, { role: "user", content: "Hello, how are you?" }, { role: "assistant", content: "I'm doing great. How can I help you today?" }, { role: "user", content: "I'd like to show off how chat templating works!" }]);
    expect(l2).toBe(`<s>[INST] <<SYS>>\n${PIRATE}\n<</SYS>>\n\nHello, how are you? [/INST] I'm doing great. How can I help you today? </s><s>[INST] I'd like to show off how chat templating works! [/INST]`);
    expect(() => loadChatTemplate("llama2").render([{ role: "user", content: "a" }, { role: "user", content: "b" }])).toThrow(/Conversation roles must alternate/);
  });

  it("a model's tokenizer_config.json: its chat_template, bos/eos and special added tokens; a file without a template is refused by name", async () => {
    const d = tmp();
    const cfg = join(d, "tokenizer_config.json");
    writeFileSync(cfg, JSON.stringify({
      added_tokens_decoder: { "1": { content: "<|im_start|>", special: true }, "2": { content: "<|im_end|>", special: true }, "3": { content: "word", special: false } },
      bos_token: { content: "<s>" },
      eos_token: "<|im_end|>",
      chat_template: "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}",
    }));
    const t = loadChatTemplate(cfg);
    expect(t.render([{ role: "user", content: "hi" }])).toBe("<|im_start|>user\nhi<|im_end|>\n");
    expect(t.specials.sort()).toEqual(["<s>", "<|im_end|>", "<|im_start|>"]);
    const base = join(d, "base.json");
    writeFileSync(base, JSON.stringify({ bos_token: "<s>" }));
    expect(() => loadChatTemplate(base)).toThrow(/no chat_template in it/);
    const r = await run(["stats", join(d, "x.jsonl"), "--chat-template", "llama9"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("neither a built-in template (llama3, llama2) nor a file");
  });

  it("stats and validate --stats with --chat-template count each rendered record exactly as Llama 3's tokenizer encodes it, special tokens once each", async () => {
    const d = tmp();
    const recs = [
      { system: "You are a helpful assistant", messages: [{ role: "user", content: "What is the color of the sky?" }, { role: "assistant", content: "Blue, mostly." }] },
      { messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }, { role: "user", content: "Tell me about <|eot_id|> tokens." }, { role: "assistant", content: "They end a turn." }] },
      { messages: [{ role: "user", content: "ünïcödé 中文 text" }, { role: "assistant", content: "ok" }] },
    ];
    const f = join(d, "m.jsonl");
    writeFileSync(f, recs.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const t = loadChatTemplate("llama3");
    const want = recs.map((r) => llama3.encode(t.render([...(r.system ? [{ role: "system", content: r.system }] : []), ...r.messages]), { bos: false, eos: false }).length);
    const s = await run(["stats", f, "--tokenizer", "llama3", "--chat-template", "llama3", "--json"]);
    expect(s.code, s.stderr).toBe(0);
    const st = (JSON.parse(s.stdout) as { stats: { total: number; min: number; max: number } }).stats;
    expect([st.total, st.min, st.max]).toEqual([want.reduce((a, b) => a + b, 0), Math.min(...want), Math.max(...want)]);
    const plain = JSON.parse((await run(["stats", f, "--tokenizer", "llama3", "--json"])).stdout) as { stats: { total: number } };
    expect(st.total - plain.stats.total).toBeGreaterThan(3 * 20); // the template's tokens are counted now
    const v = await run(["validate", f, "--tokenizer", "llama3", "--chat-template", "llama3", "--stats", "--json"]);
    expect((JSON.parse(v.stdout) as { files: { stats: { total: number } }[] }).files[0]!.stats.total).toBe(st.total);
    // A record the template refuses (Llama 2's roles must alternate) is a finding, not a silent count.
    const oa = join(d, "oa.jsonl");
    writeFileSync(oa, JSON.stringify({ messages: [{ role: "user", content: "a" }, { role: "user", content: "b" }, { role: "assistant", content: "c" }] }) + "\n");
    const refused = await run(["validate", oa, "--format", "openai-chat", "--chat-template", "llama2", "--stats"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/:1: chat-template: llama2: the chat template refused the record: Conversation roles must alternate/);
  });

  it("validate --model --chat-template --stats renders each record once: the total-limit check's count is the statistics' count", async () => {
    const checker = await RecordChecker.create({ model: "llama3.1-8b", chatTemplate: "llama3" });
    let renders = 0;
    const render = checker.template!.render.bind(checker.template);
    checker.template!.render = (...a) => (renders++, render(...a));
    const format = getFormat("instruction");
    const t = loadChatTemplate("llama3");
    const recs = [
      { prompt: "What is the color of the sky?", completion: "Blue, mostly." },
      { prompt: "Tell me about <|eot_id|> tokens.", completion: "They end a turn." },
    ];
    for (const [i, value] of recs.entries()) {
      // As validate's batches do: the record checked, then its tokens asked for the statistics.
      expect(checker.check(value, "instruction", { source: "m.jsonl", line: i + 1 })).toEqual([]);
      const n = checker.recordTokens(format, value);
      expect(renders, `record ${i + 1}`).toBe(i + 1);
      expect(n).toBe(llama3.encode(t.render([{ role: "user", content: value.prompt }, { role: "assistant", content: value.completion }]), { bos: false, eos: false }).length);
    }
    // Another record with the same text is a record of its own: rendered again.
    const again = { ...recs[1]! };
    checker.recordTokens(format, again);
    expect(renders).toBe(3);
  });

  it("convert --to text --chat-template and csv --format text --chat-template write each conversation rendered, for trainers that take raw text", async () => {
    const d = tmp();
    const f = join(d, "c.jsonl");
    writeFileSync(f, JSON.stringify({ system: PIRATE, messages: [{ role: "user", content: "Hello, how are you?" }, { role: "assistant", content: "Arr, fine." }] }) + "\n");
    const r = await run(["convert", f, "--to", "text", "--chat-template", "llama2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual([{ text: `<s>[INST] <<SYS>>\n${PIRATE}\n<</SYS>>\n\nHello, how are you? [/INST] Arr, fine. </s>` }]);
    expect((await run(["convert", f, "--to", "text"])).code).toBe(2);
    // The same from a CSV's columns: --format text with --prompt/--completion/--system and the template.
    const csv = join(d, "qa.csv");
    writeFileSync(csv, 'q,a\n"Hello, how are you?","Arr, fine."\n');
    const c = await run(["csv", csv, "--format", "text", "--chat-template", "llama2", "--prompt", "{q}", "--completion", "{a}", "--system", PIRATE]);
    expect(c.code, c.stderr).toBe(0);
    expect(lines(c.stdout)).toEqual(lines(r.stdout));
    expect((await run(["csv", csv, "--format", "instruction", "--chat-template", "llama2", "--prompt", "{q}", "--completion", "{a}"])).stderr).toContain("use it with --format text");
  });
});

import { existsSync, readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";
import { PrepError } from "../record.js";

/**
 * A model's chat template: the Jinja text a trainer wraps each conversation in before tokenizing (Hugging Face's
 * `apply_chat_template`), rendered with `@huggingface/jinja` (the Hub's own implementation), with the special tokens
 * it writes, so that counts include the template's tokens and each special token counts once.
 */
export interface ChatTemplate {
  name: string;
  /** Where the template came from: built in (with the format it follows), or a file. */
  source: string;
  bos: string;
  eos: string;
  /** Strings the tokenizer reads as single special tokens. */
  specials: string[];
  /** The specials as one pattern, longest first (built once: counting runs per record). */
  specialPattern?: RegExp;
  /** `vars`: the template's own variables (Llama 3's `date_string`, …). */
  render(messages: { role: string; content: string }[], o?: { addGenerationPrompt?: boolean; vars?: Record<string, unknown> }): string;
}

/**
 * Templates that ship with prep-data, for the open models it profiles, written from Meta's published prompt formats
 * (not copied from a tokenizer file) and tested against the formatted examples Meta and Hugging Face publish:
 * Llama 3.1/3.2/3.3 Instruct (header tokens, the knowledge-cutoff system block even without a system prompt, each
 * message trimmed) and Llama 2 chat ([INST] with the <<SYS>> block in the first user turn).
 */
const BUILT_IN: Record<string, { aliases: string[]; source: string; bos: string; eos: string; specials: string[]; template: string }> = {
  llama3: {
    aliases: ["llama3.1", "llama3.2", "llama3.3", "llama-3", "meta-llama-3"],
    source: "Meta's Llama 3.1 prompt format (system header with Cutting Knowledge Date and Today Date; <|start_header_id|>role<|end_header_id|>, <|eot_id|>)",
    bos: "<|begin_of_text|>",
    eos: "<|eot_id|>",
    specials: ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>", "<|finetune_right_pad_id|>"],
    template: [
      "{{- bos_token -}}",
      "{%- if date_string is not defined %}{%- set date_string = '26 Jul 2024' %}{%- endif %}",
      "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] | trim %}{%- set loop_messages = messages[1:] %}",
      "{%- else %}{%- set system_message = '' %}{%- set loop_messages = messages %}{%- endif %}",
      "{{- '<|start_header_id|>system<|end_header_id|>\\n\\nCutting Knowledge Date: December 2023\\nToday Date: ' + date_string + '\\n\\n' + system_message + '<|eot_id|>' -}}",
      "{%- for message in loop_messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + (message['content'] | trim) + '<|eot_id|>' -}}{%- endfor %}",
      "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}{%- endif %}",
    ].join(""),
  },
  llama2: {
    aliases: ["llama-2", "llama2-chat"],
    source: "Meta's Llama 2 chat format (<s>[INST] <<SYS>>\\n…\\n<</SYS>>\\n\\n… [/INST] … </s>)",
    bos: "<s>",
    eos: "</s>",
    specials: ["<s>", "</s>"],
    template: [
      "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] %}{%- set loop_messages = messages[1:] %}",
      "{%- else %}{%- set system_message = '' %}{%- set loop_messages = messages %}{%- endif %}",
      "{%- for message in loop_messages %}",
      "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{%- endif %}",
      "{%- if loop.index0 == 0 and system_message != '' %}{%- set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{%- else %}{%- set content = message['content'] %}{%- endif %}",
      "{%- if message['role'] == 'user' %}{{- bos_token + '[INST] ' + (content | trim) + ' [/INST]' -}}",
      "{%- else %}{{- ' ' + (content | trim) + ' ' + eos_token -}}{%- endif %}",
      "{%- endfor %}",
    ].join(""),
  },
};

export { builtInTemplates } from "./names.js";

const tokenText = (t: unknown): string => (typeof t === "string" ? t : t && typeof t === "object" && typeof (t as { content?: unknown }).content === "string" ? (t as { content: string }).content : "");

function make(name: string, source: string, text: string, bos: string, eos: string, specials: string[]): ChatTemplate {
  let tpl: Template;
  try {
    tpl = new Template(text);
  } catch (e) {
    throw new PrepError(`${source}: the chat template does not parse (${(e as Error).message})`, 2);
  }
  const all = [...new Set([...specials, bos, eos].filter(Boolean))];
  const specialPattern = all.length ? new RegExp([...all].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g") : undefined;
  return {
    name,
    source,
    bos,
    eos,
    specials: all,
    ...(specialPattern ? { specialPattern } : {}),
    render(messages, o = {}) {
      try {
        return tpl.render({ ...o.vars, messages, bos_token: bos, eos_token: eos, add_generation_prompt: o.addGenerationPrompt ?? false });
      } catch (e) {
        throw new PrepError(`${name}: the chat template refused the record: ${(e as Error).message}`, 1, "chat-template");
      }
    },
  };
}

/**
 * A chat template by built-in name (`llama3`, `llama2`), or from a file: a `tokenizer_config.json` (its
 * `chat_template`, bos/eos and special added tokens), a `chat_template.json`, or a `.jinja` file (give the special
 * tokens with it in a tokenizer_config.json for exact counts).
 */
export function loadChatTemplate(spec: string): ChatTemplate {
  const key = spec.trim().toLowerCase();
  const built = Object.entries(BUILT_IN).find(([k, v]) => k === key || v.aliases.includes(key));
  if (built) return make(built[0], built[1].source, built[1].template, built[1].bos, built[1].eos, built[1].specials);
  if (!existsSync(spec)) throw new PrepError(`--chat-template ${spec}: neither a built-in template (${Object.keys(BUILT_IN).join(", ")}) nor a file; give a model's tokenizer_config.json, chat_template.json or a .jinja file`, 2);
  const text = readFileSync(spec, "utf8");
  if (!spec.endsWith(".json")) return make(spec, spec, text, "", "", []);
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new PrepError(`${spec}: not JSON (${(e as Error).message})`, 2);
  }
  let chat = cfg.chat_template;
  // A list of named templates (tool use, RAG): the one named "default".
  if (Array.isArray(chat)) chat = (chat as { name?: string; template?: string }[]).find((c) => c.name === "default")?.template;
  if (typeof chat !== "string") throw new PrepError(`${spec}: no chat_template in it (a base model's tokenizer has none: give the instruct model's)`, 2);
  const decoder = (cfg.added_tokens_decoder ?? {}) as Record<string, { content?: string; special?: boolean }>;
  const specials = Object.values(decoder).filter((t) => t.special && t.content).map((t) => t.content!);
  return make(spec, spec, chat, tokenText(cfg.bos_token), tokenText(cfg.eos_token), specials);
}

// Counting needs no Jinja: it lives apart, so the checker can count without loading @huggingface/jinja.
export { countRendered, draftMessages } from "./count.js";

import { getFormat } from "../formats/index.js";
import { detectFormat } from "../validate/detect.js";
import { Template } from "../transforms/template.js";
import { PrepError } from "../record.js";
import { questionKey } from "../synth/parse.js";

/**
 * The fields a `--key` template can name for a record of any format: the record's own top-level text fields
 * (`prompt`, `completion`, `text`, `category`…), and from its turns `system`, `user` and `assistant` (the last of
 * each), `first_user`, and `question`: the last user turn's last paragraph (after its last blank line), which is the
 * question in the published `{document}\n\n{question}` layout.
 */
export const KEY_FIELDS = ["system", "user", "assistant", "first_user", "question"] as const;

export function keyValues(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string" || typeof v === "number") out[k] = v;
  const f = detectFormat(value);
  if (!f) return out;
  let draft: ReturnType<ReturnType<typeof getFormat>["toDraft"]>;
  try {
    draft = getFormat(f).toDraft(value as never);
  } catch {
    return out;
  }
  if (draft.kind !== "chat") return out;
  if (draft.system !== undefined) out.system ??= draft.system;
  const users = draft.turns.filter((t) => t.role === "user");
  const assistants = draft.turns.filter((t) => t.role === "assistant");
  const last = users.at(-1)?.content;
  if (users[0]) out.first_user ??= users[0].content;
  if (last !== undefined) {
    out.user ??= last;
    out.question ??= last.split(/\n[ \t]*\n/).at(-1)!.trim();
  }
  if (assistants.length) out.assistant ??= assistants.at(-1)!.content;
  return out;
}

/**
 * A compiled `--key` template: the text a record is compared by, or the field it lacks. Keys are compared as
 * questions are: case, runs of spaces and trailing punctuation ignored ("How do rivers shape the land?" is "how do
 * rivers shape the land").
 */
export function recordKey(template: string): (value: Record<string, unknown>) => { text: string } | { missing: string } {
  const t = new Template(template);
  if (!t.columns.length) throw new PrepError(`--key ${JSON.stringify(template)} names no field: write e.g. '{question}' or '{user}'`, 2);
  return (value) => {
    const r = t.render(keyValues(value));
    return "text" in r ? { text: questionKey(r.text) } : r;
  };
}

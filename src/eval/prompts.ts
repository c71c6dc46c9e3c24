import { getFormat } from "../formats/index.js";
import { finding, type Finding } from "../record.js";
import type { DatasetRecord } from "../ops/ops.js";
import { detectFormat } from "../validate/detect.js";

/** One prompt of an evaluation set: what each model is asked, and the reference answer when the record has one. */
export interface EvalPrompt {
  type: "prompt";
  source: string;
  line: number;
  system?: string;
  /** Earlier turns of a multi-turn record (the models see them as the conversation so far). */
  history: { role: "user" | "assistant"; content: string }[];
  prompt: string;
  reference?: string;
  category?: string;
}

/**
 * The prompts of any chat or instruction file: Bedrock's `evaluation` records (`prompt`, `referenceResponse`,
 * `category`), and every format prep-data reads as turns (instruction, messages, conversation, preference's
 * prompt…): the last user turn is the prompt, the turns before it the history, and an assistant turn after it the
 * reference. Plain-text records have no prompt (`no-prompt`).
 */
export async function* evalPrompts(records: AsyncIterable<DatasetRecord | Finding>): AsyncGenerator<EvalPrompt | Finding> {
  for await (const r of records) {
    if (r.type === "finding") {
      yield r;
      continue;
    }
    const origin = { source: r.source, line: r.line };
    const f = detectFormat(r.value);
    if (!f) {
      yield { ...finding("format", "not a record of a format prep-data reads (evaluation, instruction, messages, conversation…)", origin), raw: r.value };
      continue;
    }
    let draft;
    try {
      draft = getFormat(f).toDraft(r.value as never);
    } catch (e) {
      yield { ...finding("format", `a ${f} record that cannot be read: ${(e as Error).message}`, origin), raw: r.value };
      continue;
    }
    if (draft.kind !== "chat") {
      yield { ...finding("no-prompt", `a ${f} record is text, not a prompt`, origin), raw: r.value };
      continue;
    }
    const last = draft.turns.findLastIndex((t) => t.role === "user");
    if (last < 0) {
      yield { ...finding("no-prompt", "the record has no user turn", origin), raw: r.value };
      continue;
    }
    const after = draft.turns[last + 1];
    yield {
      type: "prompt",
      ...origin,
      ...(draft.system !== undefined ? { system: draft.system } : {}),
      history: draft.turns.slice(0, last).map((t) => ({ role: t.role, content: t.content })),
      prompt: draft.turns[last]!.content,
      ...(after?.role === "assistant" ? { reference: after.content } : {}),
      ...(draft.category !== undefined ? { category: draft.category } : {}),
    };
  }
}

import { z } from "zod";
import { RecordIssue, type Format } from "./format.js";

/**
 * Hugging Face TRL's preference dataset type (dataset_formats: "preference"): `{"prompt", "chosen", "rejected"}`,
 * standard (strings) or conversational (message lists); the prompt may be implicit (inside chosen and rejected).
 */
const message = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() }).strict();
const side = z.union([z.string(), z.array(message).min(1, "no messages")]);

export const trlPreferenceSchema = z
  .object({ prompt: side.optional(), chosen: side, rejected: side })
  .strict()
  .meta({
    title: "prep-data trl-preference record",
    description: 'Hugging Face TRL preference record: {"prompt"?, "chosen", "rejected"}, each a string (standard) or a list of {"role", "content"} messages (conversational).',
  });

export type TrlPreferenceRecord = z.infer<typeof trlPreferenceSchema>;
type Side = z.infer<typeof side>;

const answer = (s: Side): string => (typeof s === "string" ? s : s.filter((m) => m.role === "assistant").map((m) => m.content).join("\n"));

export const trlPreference: Format<TrlPreferenceRecord> = {
  name: "trl-preference",
  description: 'Hugging Face TRL preference: {"prompt", "chosen", "rejected"} (strings, or message lists when there is a system prompt or history)',
  schema: trlPreferenceSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat" || !draft.preference) return new RecordIssue("format", "a trl-preference record needs a preferred and a rejected answer");
    if (draft.turns[draft.turns.length - 1]?.role !== "user") return new RecordIssue("role-order", "the prompt of a preference pair must end with the user's turn");
    // One user turn and no system prompt: the standard (string) form; otherwise the conversational one keeps them.
    if (draft.system === undefined && draft.turns.length === 1) return { prompt: draft.turns[0]!.content, chosen: draft.preference.preferred, rejected: draft.preference.rejected };
    return {
      prompt: [...(draft.system !== undefined ? [{ role: "system" as const, content: draft.system }] : []), ...draft.turns.map((t) => ({ role: t.role, content: t.content }))],
      chosen: [{ role: "assistant", content: draft.preference.preferred }],
      rejected: [{ role: "assistant", content: draft.preference.rejected }],
    };
  },
  toDraft(r) {
    const prompt = r.prompt ?? (Array.isArray(r.chosen) ? r.chosen.slice(0, -1) : "");
    const system = Array.isArray(prompt) ? prompt.filter((m) => m.role === "system").map((m) => m.content) : [];
    const turns = typeof prompt === "string" ? [{ role: "user" as const, content: prompt }] : prompt.filter((m) => m.role !== "system").map((m) => ({ role: m.role as "user" | "assistant", content: m.content }));
    const last = (s: Side) => (typeof s === "string" ? s : s[s.length - 1]!.content);
    return { kind: "chat", ...(system.length ? { system: system.join("\n") } : {}), turns, preference: { preferred: r.prompt === undefined ? last(r.chosen) : answer(r.chosen), rejected: r.prompt === undefined ? last(r.rejected) : answer(r.rejected) } };
  },
  rules(r) {
    const issues: RecordIssue[] = [];
    const kinds = [r.prompt, r.chosen, r.rejected].filter((x) => x !== undefined).map((x) => typeof x);
    if (new Set(kinds).size > 1) issues.push(new RecordIssue("schema", "prompt, chosen and rejected must all be strings (standard) or all message lists (conversational)"));
    for (const k of ["chosen", "rejected"] as const) {
      const s = r[k];
      if (typeof s === "string" ? !s.trim() : !s.length || s[s.length - 1]!.role !== "assistant") issues.push(new RecordIssue(typeof s === "string" ? "empty" : "role-order", typeof s === "string" ? `${k} is empty` : `${k} must end with the assistant's message`));
    }
    if (typeof r.prompt === "string" && !r.prompt.trim()) issues.push(new RecordIssue("empty", "prompt is empty"));
    if (Array.isArray(r.prompt) && r.prompt[r.prompt.length - 1]!.role !== "user") issues.push(new RecordIssue("role-order", "prompt must end with the user's message"));
    return issues;
  },
};

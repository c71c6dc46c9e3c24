import { z } from "zod";
import { RecordIssue, type Format } from "./format.js";
import { conversationSchema } from "./conversation.js";

const turn = conversationSchema.shape.messages.element;

const candidate = z
  .object({
    content: z.array(z.union([z.object({ text: z.string() }).strict(), z.object({ reasoningContent: z.object({ reasoningText: z.object({ text: z.string().min(1) }).strict() }).strict() }).strict()])).min(1, "a candidate needs content"),
    preferenceLabel: z.enum(["preferred", "non-preferred"]),
  })
  .strict();

const candidates = z
  .object({
    role: z.literal("assistant"),
    candidates: z.array(candidate).min(2, "at least two candidates (one preferred, one non-preferred) are needed"),
  })
  .strict();

/**
 * Nova preference (DPO) record: a Converse conversation whose last message is the assistant's candidates, each
 * labelled preferred or non-preferred (AWS's Nova validator: ConverseDatasetSampleWithCandidates). Candidates are
 * text (and reasoning) only; no video anywhere in a DPO record.
 */
export const preferenceSchema = z
  .object({
    schemaVersion: z.string().optional(),
    system: z.array(z.object({ text: z.string().min(1, "system text is empty") }).strict()).optional(),
    messages: z.array(z.union([candidates, turn])).min(2, "at least a user turn and the candidates are needed"),
  })
  .strict()
  .meta({
    title: "prep-data preference record (Nova DPO)",
    description: 'Record {"schemaVersion"?, "system"?: [{"text"}], "messages": [user, assistant, …, user, {"role": "assistant", "candidates": [{"content": [{"text"}], "preferenceLabel": "preferred" | "non-preferred"}, …]}]}.',
  });

export type PreferenceRecord = z.infer<typeof preferenceSchema>;
type Candidates = z.infer<typeof candidates>;
const isCandidates = (m: PreferenceRecord["messages"][number]): m is Candidates => "candidates" in m;
const textOf = (content: { text?: string; reasoningContent?: unknown }[]) => content.map((b) => b.text ?? "").join("\n");

export const preference: Format<PreferenceRecord> = {
  name: "preference",
  description: 'Nova DPO: a conversation whose last message is {"role": "assistant", "candidates": [preferred, non-preferred]}',
  schema: preferenceSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat" || !draft.preference) return new RecordIssue("format", "a preference record needs a preferred and a non-preferred answer (convert --to preference reads chosen/rejected and preferred_output/non_preferred_output)");
    if (draft.turns[draft.turns.length - 1]?.role !== "user") return new RecordIssue("role-order", "the turn before the candidates must be the user's");
    return {
      schemaVersion: "bedrock-conversation-2024",
      ...(draft.system !== undefined ? { system: [{ text: draft.system }] } : {}),
      messages: [
        ...draft.turns.map((t) => ({ role: t.role, content: [{ text: t.content }] })),
        { role: "assistant" as const, candidates: [{ content: [{ text: draft.preference.preferred }], preferenceLabel: "preferred" as const }, { content: [{ text: draft.preference.rejected }], preferenceLabel: "non-preferred" as const }] },
      ],
    };
  },
  toDraft(r) {
    const system = r.system?.map((s) => s.text).join("\n");
    const turns = r.messages.filter((m) => !isCandidates(m)) as z.infer<typeof turn>[];
    const last = r.messages[r.messages.length - 1]!;
    const cands = isCandidates(last) ? last.candidates : [];
    return {
      kind: "chat",
      ...(system !== undefined ? { system } : {}),
      turns: [
        ...turns.map((m) => ({ role: m.role, content: m.content.map((b) => ("text" in b ? b.text : "")).join("\n") })),
        // Counted as the longest candidate (what one training example holds at most).
        { role: "assistant" as const, content: cands.map((c) => textOf(c.content)).sort((a, b) => b.length - a.length)[0] ?? "" },
      ],
    };
  },
  rules(r) {
    const issues: RecordIssue[] = [];
    const n = r.messages.length;
    r.messages.slice(0, -1).forEach((m, i) => {
      if (isCandidates(m)) issues.push(new RecordIssue("role-order", `messages[${i}]: only the last message may hold candidates`));
    });
    const last = r.messages[n - 1]!;
    if (!isCandidates(last)) return [...issues, new RecordIssue("role-order", 'the last message must be {"role": "assistant", "candidates": […]}')];
    const roles = r.messages.slice(0, -1).map((m) => m.role);
    roles.forEach((role, i) => {
      const want = i % 2 === 0 ? "user" : "assistant";
      if (role !== want) issues.push(new RecordIssue("role-order", `messages[${i}] must be from "${want}" (turns alternate from the user's, and the user's comes before the candidates), found "${role}"`));
    });
    if (roles.length % 2 === 0) issues.push(new RecordIssue("role-order", "the message before the candidates must be the user's"));
    const labels = new Set(last.candidates.map((c) => c.preferenceLabel));
    if (labels.size < 2) issues.push(new RecordIssue("preference", `every candidate is ${[...labels][0]}: one preferred and one non-preferred are needed`));
    last.candidates.forEach((c, j) => {
      if (textOf(c.content).trim() === "" && !c.content.some((b) => "reasoningContent" in b)) issues.push(new RecordIssue("empty", `messages[${n - 1}].candidates[${j}] has no text`));
    });
    let docs = 0;
    for (const m of r.messages) {
      if (isCandidates(m)) continue;
      for (const b of m.content) {
        if ("video" in b) issues.push(new RecordIssue("content", "a preference (DPO) record cannot hold a video"));
        if ("document" in b) docs++;
        if ("text" in b && b.text.trim() === "") issues.push(new RecordIssue("empty", "a text block is empty"));
      }
    }
    if (docs > 1) issues.push(new RecordIssue("content", `${docs} document blocks; a record takes at most one`));
    return issues;
  },
};

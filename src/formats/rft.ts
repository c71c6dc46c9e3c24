import { z } from "zod";
import { RecordIssue, type Format } from "./format.js";

const message = z
  .object({
    role: z.enum(["system", "user", "assistant"]),
    content: z.string().min(1, "content is empty"),
  })
  .strict();

const tool = z
  .object({
    type: z.literal("function"),
    function: z
      .object({
        name: z.string().min(1, "function name is empty"),
        description: z.string().min(1, "function description is empty"),
        parameters: z.object({ type: z.literal("object"), properties: z.record(z.string(), z.unknown()), required: z.array(z.string()).optional() }).passthrough(),
      })
      .strict(),
  })
  .strict();

/**
 * Bedrock reinforcement fine-tuning prompt (Nova 2 Lite; the OpenAI chat shape): `messages` (system?, user) and a
 * `reference_answer` of any JSON the grader reads; `id` and `tools` optional; any other key is passed to the grader
 * (rft-prepare-data, reward-functions).
 */
export const rftSchema = z
  .object({
    id: z.string().min(1, "id is empty").optional(),
    messages: z.array(message).min(1, "messages is empty"),
    reference_answer: z.unknown(),
    tools: z.array(tool).optional(),
  })
  .catchall(z.unknown())
  .superRefine((v, ctx) => {
    if (v.reference_answer === undefined) ctx.addIssue({ code: "custom", message: "missing key reference_answer (the answer the grader compares against)" });
  })
  .meta({
    title: "prep-data RFT prompt (Bedrock reinforcement fine-tuning)",
    description: 'Record {"id"?, "messages": [{"role": "system" | "user", "content"}], "reference_answer": <any JSON>, "tools"?: [{"type": "function", "function": {"name", "description", "parameters"}}], …fields the grader reads}.',
  });

export type RftRecord = z.infer<typeof rftSchema>;

export const rft: Format<RftRecord> = {
  name: "rft",
  description: 'reinforcement fine-tuning prompts: {"messages": [system?, user], "reference_answer": any JSON}',
  schema: rftSchema,
  fromDraft(draft) {
    if (draft.kind !== "chat") return new RecordIssue("format", "rft needs a prompt and a reference answer, got plain text");
    const [user, answer, ...more] = draft.turns;
    if (!user || user.role !== "user" || more.length || (answer && answer.role !== "assistant")) return new RecordIssue("role-order", "an rft record is one prompt (and its reference answer)");
    // The reference answer: --reference, else the answer turn (a completion template, or a teacher's answer in synth).
    const reference = draft.reference !== undefined ? draft.reference : answer?.content;
    if (reference === undefined) return new RecordIssue("reference", "rft records need a reference answer: give --reference (or --completion)");
    if (typeof reference === "string" && reference.trim() === "") return new RecordIssue("empty", "reference_answer is empty");
    return {
      ...(draft.id !== undefined ? { id: draft.id } : {}),
      messages: [...(draft.system !== undefined ? [{ role: "system" as const, content: draft.system }] : []), { role: "user" as const, content: user.content }],
      reference_answer: reference,
    };
  },
  toDraft(r) {
    const system = r.messages.filter((m) => m.role === "system").map((m) => m.content);
    const ref = r.reference_answer;
    return {
      kind: "chat",
      ...(system.length ? { system: system.join("\n") } : {}),
      turns: [
        ...r.messages.filter((m) => m.role !== "system").map((m) => ({ role: m.role as "user" | "assistant", content: m.content })),
        // Counted as the answer the grader compares against (tokens, reserved strings).
        { role: "assistant" as const, content: typeof ref === "string" ? ref : JSON.stringify(ref) },
      ],
    };
  },
  rules(r) {
    const issues: RecordIssue[] = [];
    const roles = r.messages.map((m) => m.role);
    const sys = roles.indexOf("system");
    if (sys > 0 || roles.lastIndexOf("system") !== sys) issues.push(new RecordIssue("role-order", "a system message may only come first, once"));
    if (!roles.includes("user")) issues.push(new RecordIssue("role-order", "messages needs a user message"));
    if (roles[roles.length - 1] !== "user") issues.push(new RecordIssue("role-order", `the last message must be from "user" (the model writes the answer), found "${roles[roles.length - 1]}"`));
    if (roles.includes("assistant")) issues.push(new RecordIssue("role-order", "RFT prompts are single-turn: no assistant message (the reference answer goes in reference_answer)"));
    r.messages.forEach((m, i) => {
      if (m.content.trim() === "") issues.push(new RecordIssue("empty", `messages[${i}].content is empty`));
    });
    if (r.reference_answer === null || (typeof r.reference_answer === "string" && r.reference_answer.trim() === "")) issues.push(new RecordIssue("empty", "reference_answer is empty"));
    const names = r.tools?.map((t) => t.function.name) ?? [];
    if (new Set(names).size !== names.length) issues.push(new RecordIssue("tools", "tools has duplicate function names"));
    return issues;
  },
};

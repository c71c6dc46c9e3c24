import type { z } from "zod";
import type { Draft, DraftBody, Turn } from "../record.js";

/** A problem with one record, found by a format's schema or rules. */
export class RecordIssue {
  constructor(
    /** `schema`, `role-order`, `empty`, … — what `validate` counts by. */
    readonly category: string,
    readonly message: string,
  ) {}
}

/** One record format: its zod schema (the contract), how to build it from a draft, and the rules zod can't say. */
export interface Format<T = unknown> {
  /** The name users type: `instruction`, `messages`, `conversation`, `cpt`, `text`. */
  name: string;
  description: string;
  schema: z.ZodType<T>;
  /** Build the record from a draft, or explain why this format can't express it. */
  fromDraft(draft: Draft): T | RecordIssue;
  /** Back to a draft (for conversion and token counting). */
  toDraft(record: T): DraftBody;
  /** Rules beyond the schema (role order, …) on a record that passed the schema. */
  rules(record: T): RecordIssue[];
}


/** First user, alternating, last assistant: the rule every Bedrock chat format shares. */
export function roleOrderIssues(roles: string[]): RecordIssue[] {
  const issues: RecordIssue[] = [];
  if (roles.length === 0) return [new RecordIssue("role-order", "messages is empty")];
  if (roles[0] !== "user") {
    issues.push(new RecordIssue("role-order", `first message must be from "user", found "${roles[0]}"`));
  }
  for (let i = 1; i < roles.length; i++) {
    if (roles[i] === roles[i - 1]) {
      issues.push(
        new RecordIssue("role-order", `messages must alternate user/assistant: messages[${i - 1}] and messages[${i}] are both "${roles[i]}"`),
      );
      break;
    }
  }
  if (roles[roles.length - 1] !== "assistant") {
    issues.push(new RecordIssue("role-order", `last message must be from "assistant", found "${roles[roles.length - 1]}"`));
  }
  return issues;
}

export function turnsIssue(turns: Turn[]): RecordIssue | undefined {
  const issues = roleOrderIssues(turns.map((t) => t.role));
  return issues[0];
}

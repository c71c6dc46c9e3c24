import { PrepError } from "../record.js";

/** `train.jsonl` → `validation.jsonl` when the name says train, else `x.jsonl` → `x.validation.jsonl` (or test). */
export function validationPathFor(output: string, role: "validation" | "test" = "validation"): string {
  if (output === "-") throw new PrepError(`--${role === "test" ? "test-fraction" : "validation"} with -o - needs --${role}-output FILE`, 2);
  const slash = output.lastIndexOf("/") + 1;
  const dir = output.slice(0, slash);
  const base = output.slice(slash);
  if (/train/.test(base)) return dir + base.replace(/train(ing)?/, role);
  return dir + (base.endsWith(".jsonl") ? base.slice(0, -6) + `.${role}.jsonl` : base + `.${role}.jsonl`);
}

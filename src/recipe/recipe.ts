import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { PrepError } from "../record.js";

/** One step of a recipe: a prep-data command line, with what it reads and writes (derived when not given). */
export interface RecipeStep {
  name: string;
  /** The command and its arguments, as prep-data takes them (no shell: nothing is interpreted but `${VAR}`). */
  args: string[];
  inputs: string[];
  outputs: string[];
  /** The recipe's folder: where the step runs and its paths are resolved. */
  cwd: string;
  /** Inputs and outputs given in the recipe (else derived from the arguments when the step is reached). */
  declared: { inputs: boolean; outputs: boolean };
}

export interface Recipe {
  path: string;
  steps: RecipeStep[];
}

/** Options whose value is a file the step writes. */
const OUTPUT_OPTIONS = new Set(["-o", "--output", "--validation-output", "--test-output", "--metadata", "--batch-input", "--bedrock-job"]);
/** Options whose value is a file the step reads. */
const INPUT_OPTIONS = new Set(["--prompt-file", "--personas", "--rubric-file", "--judge-prompt", "--manifest", "--records", "--responses", "--validation", "--train"]);

/** A command line in a recipe's string form, split as a POSIX shell splits words: quotes and backslashes, no expansion. */
export function splitWords(line: string, where: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new PrepError(`${where}: a ' is never closed`, 2);
      cur += line.slice(i + 1, end);
      i = end;
      has = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) cur += line[j] === "\\" && /["\\$`]/.test(line[j + 1] ?? "") ? line[++j] : line[j];
      if (j >= line.length) throw new PrepError(`${where}: a " is never closed`, 2);
      i = j;
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c === "\\" && i + 1 < line.length ? line[++i] : c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** `${VAR}` from the environment (then the recipe's `env` defaults); `$$` is a `$`. An unset variable is an error. */
export function substitute(text: string, env: Record<string, string | undefined>, where: string): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string | undefined) => {
    if (m === "$$") return "$";
    const v = env[name!];
    if (v === undefined) throw new PrepError(`${where}: \${${name}} is not set (export it, or give it under env: in the recipe)`, 2);
    return v;
  });
}

/** The files a step reads and writes, from its arguments: output options' values, and existing files it names. */
export function stepFiles(args: string[], cwd: string): { inputs: string[]; outputs: string[] } {
  const outputs: string[] = [];
  const inputs: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const [opt, val] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, args[i + 1]];
    if (OUTPUT_OPTIONS.has(opt)) {
      if (val !== undefined && val !== "-" && !val.startsWith("s3://")) outputs.push(resolve(cwd, val));
      if (eq < 0) i++;
    } else if (INPUT_OPTIONS.has(opt)) {
      if (val !== undefined && !val.startsWith("s3://")) inputs.push(resolve(cwd, val));
      if (eq < 0) i++;
    } else if (!a.startsWith("-")) {
      const p = resolve(cwd, a);
      if (statSync(p, { throwIfNoEntry: false })?.isFile()) inputs.push(p);
    }
  }
  return { inputs, outputs };
}

/**
 * Read a recipe: YAML with `steps:` (each `{name?, run, inputs?, outputs?}`, `run` a command line or a list of
 * arguments, `prep-data` at its start optional) and optional `env:` defaults for `${VAR}`.
 */
export async function readRecipe(path: string, env: Record<string, string | undefined> = process.env): Promise<Recipe> {
  let doc: unknown;
  try {
    doc = parse(await readFile(path, "utf8"));
  } catch (e) {
    throw new PrepError(`${path}: ${(e as Error).message.split("\n")[0]}`, 2);
  }
  const d = doc as { env?: Record<string, unknown>; steps?: unknown };
  if (!d || typeof d !== "object" || !Array.isArray(d.steps) || d.steps.length === 0) throw new PrepError(`${path}: a recipe holds steps: a list of {run: "<command line>"}`, 2);
  const vars: Record<string, string | undefined> = { ...Object.fromEntries(Object.entries(d.env ?? {}).map(([k, v]) => [k, String(v)])), ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
  const cwd = dirname(resolve(path));
  const steps = d.steps.map((s0, i): RecipeStep => {
    const s = (typeof s0 === "string" ? { run: s0 } : s0) as { name?: unknown; run?: unknown; inputs?: unknown; outputs?: unknown };
    const where = `${path}: step ${i + 1}${typeof s.name === "string" ? ` (${s.name})` : ""}`;
    let args: string[];
    if (typeof s.run === "string") args = splitWords(substitute(s.run, vars, where), where);
    else if (Array.isArray(s.run) && s.run.every((x) => typeof x === "string" || typeof x === "number")) args = s.run.map((x) => substitute(String(x), vars, where));
    else throw new PrepError(`${where}: run is a command line or a list of arguments`, 2);
    if (args[0] === "prep-data") args = args.slice(1);
    if (!args.length) throw new PrepError(`${where}: run names no command`, 2);
    if (args[0] === "run") throw new PrepError(`${where}: a recipe does not run recipes`, 2);
    const derived = stepFiles(args, cwd);
    const list = (v: unknown, fallback: string[]) => (Array.isArray(v) ? v.map((x) => resolve(cwd, substitute(String(x), vars, where))) : fallback);
    return { name: typeof s.name === "string" ? s.name : `${i + 1}: ${args[0]}`, args, inputs: list(s.inputs, derived.inputs), outputs: list(s.outputs, derived.outputs), cwd, declared: { inputs: Array.isArray(s.inputs), outputs: Array.isArray(s.outputs) } };
  });
  return { path: resolve(path), steps };
}

/** Whether a step's outputs are all there and newer than its inputs and the recipe: then it need not run again. */
export function upToDate(step0: RecipeStep, recipePath: string): boolean {
  // Derived lists are taken again now: an earlier step may have made the files this one reads.
  const now = stepFiles(step0.args, step0.cwd);
  const step = { inputs: step0.declared.inputs ? step0.inputs : now.inputs, outputs: step0.declared.outputs ? step0.outputs : now.outputs };
  if (!step.outputs.length) return false;
  const mtime = (p: string) => statSync(p, { throwIfNoEntry: false })?.mtimeMs;
  const outs = step.outputs.map(mtime);
  if (outs.some((t) => t === undefined)) return false;
  const newestIn = Math.max(mtime(recipePath) ?? 0, ...step.inputs.map((p) => mtime(p) ?? Infinity));
  return Math.min(...(outs as number[])) >= newestIn;
}

/** A word as a POSIX shell (and {@link splitWords}) reads it back. */
export function shellQuote(a: string): string {
  return /^[\w@%+=:,./{}-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** The recipe step for a command line (what --print-recipe prints): it reads back to the same arguments. */
export async function recipeStepText(args: string[]): Promise<string> {
  return stringify([{ name: args[0], run: args.map(shellQuote).join(" ") }], { lineWidth: 0 });
}

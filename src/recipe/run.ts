import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { shellQuote, upToDate, type Recipe, type RecipeStep } from "./recipe.js";

export interface StepResult {
  name: string;
  args: string[];
  /** Skipped: its outputs were newer than its inputs and the recipe. */
  skipped?: boolean;
  /** Not run: an earlier step failed. */
  notRun?: boolean;
  exitCode?: number;
  seconds?: number;
  /** The step's own --report. */
  report?: unknown;
}

export interface RecipeRun {
  recipe: string;
  exitCode: number;
  steps: StepResult[];
}

/** The CLI that runs each step: this package's bin, from dist/recipe/ or the bundle in dist/cli-bundle/. */
const BIN = fileURLToPath(new URL("../../bin/prep-data.js", import.meta.url));

/**
 * Run a recipe's steps in order, each as its own prep-data process in the recipe's folder (stdio shared), its
 * --report collected. A step whose outputs are up to date is skipped unless `force`. A step that exits 1 (some rows
 * refused, the rest written) lets the recipe go on; any other failure stops it (the later steps are `notRun`).
 */
export async function runRecipe(recipe: Recipe, o: { force?: boolean; onLine?: (line: string) => void; reportable?: (command: string) => boolean } = {}): Promise<RecipeRun> {
  const cwd = dirname(recipe.path);
  const tmp = mkdtempSync(join(tmpdir(), "prep-data-recipe-"));
  const steps: StepResult[] = [];
  let exitCode = 0;
  try {
    for (const [i, step] of recipe.steps.entries()) {
      const r: StepResult = { name: step.name, args: step.args };
      steps.push(r);
      if (exitCode > 1) {
        r.notRun = true;
        continue;
      }
      if (!o.force && upToDate(step, recipe.path)) {
        r.skipped = true;
        o.onLine?.(`recipe: step ${i + 1}/${recipe.steps.length} ${step.name}: up to date (its outputs are newer than its inputs and the recipe), skipped`);
        continue;
      }
      o.onLine?.(`recipe: step ${i + 1}/${recipe.steps.length} ${step.name}: prep-data ${step.args.map(shellQuote).join(" ")}`);
      const own = reportOf(step);
      const reportPath = own ?? (o.reportable?.(step.args[0]!) === false ? undefined : join(tmp, `step-${i + 1}.json`));
      const args = own || !reportPath ? step.args : [...step.args, "--report", reportPath];
      const t0 = Date.now();
      const code = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: "inherit" });
        child.on("close", (c, sig) => resolve(c ?? (sig === "SIGINT" ? 130 : sig === "SIGTERM" ? 143 : 3)));
        child.on("error", () => resolve(3));
      });
      r.exitCode = code;
      r.seconds = (Date.now() - t0) / 1000;
      if (reportPath) {
        try {
          r.report = JSON.parse(readFileSync(resolve(cwd, reportPath), "utf8"));
        } catch {
          // the step wrote no report (a usage error writes none)
        }
      }
      if (code === 1) exitCode = Math.max(exitCode, 1);
      else if (code !== 0) {
        exitCode = code;
        o.onLine?.(`recipe: step ${step.name} failed (exit ${code}); the later steps are not run`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { recipe: recipe.path, exitCode, steps };
}

function reportOf(step: RecipeStep): string | undefined {
  const i = step.args.indexOf("--report");
  if (i >= 0) return step.args[i + 1];
  return step.args.find((a) => a.startsWith("--report="))?.slice("--report=".length);
}


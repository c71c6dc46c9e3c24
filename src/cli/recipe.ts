import type { Command } from "commander";
import { REPORT_HELP } from "./options.js";

export function addRunCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command("run <recipe>")
    .description("run a recipe: the steps of a YAML file (prep-data command lines with ${VAR} from the environment) in order, each skipped when its outputs are newer than its inputs and the recipe; every step's --report collected into one")
    .option("--force", "run every step, up to date or not")
    .option("--report <file>", REPORT_HELP)
    .option("-q, --quiet", "no step lines (the steps print their own output)")
    .action(async (path: string, o: { force?: boolean; report?: string; quiet?: boolean }) => {
      const [{ readRecipe }, { runRecipe }, { openSink, checkOutputTarget }] = await Promise.all([import("../recipe/recipe.js"), import("../recipe/run.js"), import("../jsonl.js")]);
      const recipe = await readRecipe(path);
      if (o.report) checkOutputTarget(o.report, { inputs: [path], option: "--report" });
      const reportable = (name: string) => !!program.commands.find((c) => c.name() === name)?.options.some((x) => x.long === "--report");
      const r = await runRecipe(recipe, { force: o.force, reportable, onLine: o.quiet ? undefined : (l) => process.stderr.write(`${l}\n`) });
      if (!o.quiet) {
        const ran = r.steps.filter((s) => s.exitCode !== undefined).length;
        const skipped = r.steps.filter((s) => s.skipped).length;
        const notRun = r.steps.filter((s) => s.notRun).length;
        process.stderr.write(`recipe ${path}: ${r.steps.length} steps: ${ran} run, ${skipped} up to date${notRun ? `, ${notRun} not run` : ""} → exit ${r.exitCode}\n`);
      }
      if (o.report) {
        const sink = openSink(o.report, { option: "--report" });
        await sink.write(r);
        await sink.close();
      }
      setExit(r.exitCode);
    });
}

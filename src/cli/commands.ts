import type { Command } from "commander";

/** Adds one module's commands to the program; `setExit` takes the exit code of the run. */
export type AddCommands = (program: Command, setExit: (code: number) => void) => void;

/**
 * Where each command is defined, in the order `--help` lists them. A run loads only the module of the command it
 * names (start-up is most of a short run: every module loaded is compiled, and every command's definition pulls in
 * what its action uses); `--help`, an unknown name and the commands that read the whole program (`run`, the
 * completions) load them all.
 */
export const COMMAND_MODULES: { names: string[]; load: () => Promise<AddCommands>; all?: true }[] = [
  { names: ["dialogsum"], load: async () => (await import("./dialogsum.js")).addDialogsumCommand },
  { names: ["csv", "json", "parquet", "hf"], load: async () => (await import("./tables.js")).addTableCommands },
  { names: ["pdf"], load: async () => (await import("./pdf.js")).addPdfCommand },
  { names: ["synth"], load: async () => (await import("./synth.js")).addSynthCommand },
  { names: ["curate"], load: async () => (await import("./curate.js")).addCurateCommand },
  { names: ["eval"], load: async () => (await import("./eval.js")).addEvalCommand },
  { names: ["upload", "job"], load: async () => (await import("./job.js")).addJobCommands },
  { names: ["grader"], load: async () => (await import("./grader.js")).addGraderCommands },
  { names: ["dedup", "sample", "shuffle", "split", "merge"], load: async () => (await import("./ops.js")).addOpsCommands },
  { names: ["text"], load: async () => (await import("./text.js")).addTextCommand },
  { names: ["convert"], load: async () => (await import("./convert.js")).addConvertCommand },
  { names: ["validate", "stats", "models"], load: async () => (await import("./validate.js")).addValidateCommands },
  // run reads the other commands' options (which take --report); it needs them all.
  { names: ["run"], load: async () => (await import("./recipe.js")).addRunCommand, all: true },
  { names: ["report"], load: async () => (await import("./html-report.js")).addReportCommand },
  { names: ["review"], load: async () => (await import("./review.js")).addReviewCommand },
  { names: ["register"], load: async () => (await import("./register.js")).addRegisterCommand },
  { names: ["push"], load: async () => (await import("./push.js")).addPushCommand },
  // The completions list every command and option.
  { names: ["completion", "__complete"], load: async () => (await import("./completion.js")).addCompletionCommands, all: true },
];

/** The program's own options that take a value (the ones before a command name that are not the name). */
const VALUE_OPTIONS = new Set(["--region", "--profile", "--endpoint-url", "--target"]);
const FLAG_OPTIONS = new Set(["--s3-path-style", "--print-recipe"]);

/**
 * Which command modules a command line needs: the named command's, `[]` for a line that runs none (`--version`), or
 * every one (help, no command, an unknown or misspelt name, anything this scan does not understand: commander then
 * sees the whole program, as it would without this).
 */
export function modulesFor(args: string[]): typeof COMMAND_MODULES {
  let i = 0;
  let version = false;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-")) break;
    const name = a.split("=")[0]!;
    if (a === "-V" || a === "--version") version = true;
    else if (VALUE_OPTIONS.has(name)) {
      if (!a.includes("=")) i++;
    } else if (!FLAG_OPTIONS.has(name)) return COMMAND_MODULES;
  }
  if (i >= args.length) return version ? [] : COMMAND_MODULES;
  let name = args[i]!;
  // help NAME: the named command's help.
  if (name === "help" && args[i + 1] !== undefined && !args[i + 1]!.startsWith("-")) name = args[i + 1]!;
  const m = COMMAND_MODULES.find((x) => x.names.includes(name));
  return !m || m.all ? COMMAND_MODULES : [m];
}

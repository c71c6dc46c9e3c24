import type { Command } from "commander";
import { PrepError } from "../record.js";

/** `push FILE... hf://datasets/OWNER/NAME[@branch]`: validate, then one commit with the dataset card (the CLI only wires it). */
export function addPushCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command("push <files...>")
    .description("validate files, then push them to a Hugging Face Hub dataset repository in one commit with a dataset card naming their splits (hf://datasets/OWNER/NAME[@branch])")
    .option("-m, --model <id>", "validate against this model's (or with --target, that trainer's) rules first; nothing is pushed if the data breaks them")
    .option("--force", "push even when validation finds errors (said loudly)")
    .option("--private", "create the repository private when it does not exist")
    .option("--message <text>", "the commit title (default: the files pushed)")
    .option("--json", "print the result as JSON")
    .option("-q, --quiet", "print nothing but errors")
    .action(async (args: string[], o: { model?: string; force?: boolean; private?: boolean; message?: string; json?: boolean; quiet?: boolean }) => {
      const dest = args.pop()!;
      if (!dest?.startsWith("hf://")) throw new PrepError("push FILE... hf://datasets/OWNER/NAME[@branch]: the last argument is the repository", 2);
      if (!args.length) throw new PrepError("push needs at least one file before the repository", 2);
      const { parsePushTarget, pushFiles, pushDataset } = await import("../hub/push.js");
      const target = parsePushTarget(dest);
      const files = pushFiles(args);
      const { validateFiles } = await import("../validate/validate.js");
      // train and validation as the model reads them together; any other split on its format's rules.
      const train = files.find((f) => f.split === "train")?.path;
      const validation = files.find((f) => f.split === "validation")?.path;
      const reports = [
        ...(train ? [await validateFiles({ train, validation }, { model: o.model, keepFindings: 20 })] : validation ? [await validateFiles({ train: validation }, { keepFindings: 20 })] : []),
        ...(await Promise.all(files.filter((f) => f.split !== "train" && f.split !== "validation").map((f) => validateFiles({ train: f.path }, { keepFindings: 20 })))),
      ];
      const errors = reports.reduce((a, r) => a + r.errors, 0);
      for (const f of reports.flatMap((r) => r.findings).filter((x) => x.severity === "error").slice(0, 20)) process.stderr.write(`error: ${f.origin.source}${f.origin.line ? `:${f.origin.line}` : ""}: ${f.reason}: ${f.message}\n`);
      if (errors && !o.force) {
        process.stderr.write(`prep-data: not pushed: ${errors} error(s) against ${o.model ?? "the formats' rules"} (fix them, or --force)\n`);
        setExit(1);
        return;
      }
      if (errors) process.stderr.write(`WARNING: pushing despite ${errors} validation error(s) (--force)\n`);
      const r = await pushDataset(files, target, { message: o.message, private: o.private });
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      else if (!o.quiet) {
        process.stderr.write(
          r.commit
            ? `pushed to ${r.repo}@${r.branch}${r.created ? " (created)" : ""}: ${r.files.map((f) => `${f.path} (${f.split}, ${f.state})`).join(", ")}; README.md ${r.card}; commit ${r.commit.oid} ${r.commit.url}\n`
            : `nothing to push: ${r.repo}@${r.branch} already has ${r.files.map((f) => f.path).join(", ")} and its card as they are here (no commit)\n`,
        );
      }
      setExit(0);
    });
}

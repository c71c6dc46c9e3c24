import type { Command } from "commander";
import { basename, join } from "node:path";
import { PrepError } from "../record.js";
import { axolotlSnippet, registerLlamaFactory } from "../targets/register.js";

/** `register FILE --target llama-factory|axolotl`: what makes the trainer read the file (the CLI only wires it). */
export function addRegisterCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command("register <file>")
    .description("make a trainer read a file: add its entry to LLaMA-Factory's dataset_info.json, or print the Axolotl config's datasets entry (give --target)")
    .option("--dataset-info <path>", "llama-factory: the dataset_info.json to add the entry to (default: beside the file)")
    .option("--name <name>", "llama-factory: the dataset's name in dataset_info.json (default: the file's name without .jsonl)")
    .action(async (file: string, o: { datasetInfo?: string; name?: string }, cmd: Command) => {
      const target = (cmd.parent?.opts() as { target?: string }).target;
      if (target === "llama-factory" || target === "llamafactory" || target === "lf") {
        const info = o.datasetInfo ?? join(file, "..", "dataset_info.json");
        const name = o.name ?? basename(file).replace(/\.jsonl?$/, "");
        const { entry, replaced } = await registerLlamaFactory(file, info, name);
        process.stdout.write(`${JSON.stringify({ [name]: entry }, null, 2)}\n`);
        process.stderr.write(`${replaced ? "replaced" : "added"} "${name}" in ${info} (use it as dataset: ${name}, dataset_dir: ${join(info, "..")})\n`);
      } else if (target === "axolotl") {
        process.stdout.write(await axolotlSnippet(file));
      } else throw new PrepError(`register needs --target llama-factory or --target axolotl${target ? ` (not ${target})` : ""}`, 2);
      setExit(0);
    });
}

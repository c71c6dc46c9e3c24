import type { Command } from "commander";
import { PrepError } from "../record.js";
import { intArg } from "./options.js";

export function addReportCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command("report <files...>")
    .description("one self-contained HTML page about a dataset (any format prep-data writes, eval results too): counts, token distributions by role with the model's limit, findings with their records, a seeded sample of records — charts as static SVG, no script, no network")
    .option("-o, --output <file>", "the HTML file", "report.html")
    .option("-m, --model <id>", "check the records against this model's rules and draw its per-record limit")
    .option("--batch-size <n>", "with --model: the job's batch size", intArg("--batch-size", 1))
    .option("--tokenizer <name>", "token counter (default: the model's, else cl100k)")
    .option("--metadata <file>", "synth's --metadata of the same file: origin, judge scores, topics, styles")
    .option("--sample <n>", "records shown as a reader sees them", intArg("--sample"), 20)
    .option("--seed <n>", "seed of the sample (the same report for the same input and seed)", intArg("--seed"), 0)
    .option("--max-examples <n>", "records shown per finding reason", intArg("--max-examples"), 5)
    .option("--epochs <n>", "epochs for the training-token estimate (default: the model's)", intArg("--epochs", 1))
    .option("-q, --quiet", "no summary line")
    .action(async (files: string[], o: { output: string; model?: string; batchSize?: number; tokenizer?: string; metadata?: string; sample: number; seed: number; maxExamples: number; epochs?: number; quiet?: boolean }) => {
      if (o.output === "-") throw new PrepError("report writes an HTML file: give -o report.html", 2);
      const { checkOutputTarget } = await import("../jsonl.js");
      checkOutputTarget(o.output, { inputs: [...files, ...(o.metadata ? [o.metadata] : [])], option: "-o" });
      const [{ collectReport }, { renderReport }, { writeWhole }] = await Promise.all([import("../report/collect.js"), import("../report/render.js"), import("../outputs/whole.js")]);
      const t0 = Date.now();
      const data = await collectReport(files, { model: o.model, batchSize: o.batchSize, tokenizer: o.tokenizer, metadata: o.metadata, sample: o.sample, seed: o.seed, maxExamples: o.maxExamples, epochs: o.epochs });
      if (data.lines === 0) throw new PrepError(`${files.join(", ")}: no records`, 3);
      const html = renderReport(data);
      await writeWhole(o.output, html);
      if (!o.quiet) process.stderr.write(`report: ${data.records.toLocaleString("en-US")} records${data.findings.length ? `, ${data.findings.reduce((a, f) => a + f.count, 0).toLocaleString("en-US")} findings` : ""} → ${o.output} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KB) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      setExit(data.findings.some((f) => f.severity === "error") ? 1 : 0);
    });
}

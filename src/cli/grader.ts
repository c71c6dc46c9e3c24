import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { writeWhole } from "../outputs/whole.js";
import { join } from "node:path";
import { Option, type Command } from "commander";
import { GRADER_KINDS, graderReadme, graderSource, type GraderKind } from "../grader/templates.js";
import { openSink } from "../jsonl.js";
import { PrepError } from "../record.js";
import { durationArg, intArg } from "./options.js";

const n = (x: number) => x.toLocaleString("en-US");


export function addGraderCommands(program: Command, setExit: (code: number) => void): void {
  const grader = program.command("grader").description("reinforcement fine-tuning graders (reward functions): write one to start from, test one on your records");
  grader
    .command("init")
    .description("write a small, commented Lambda handler (Node) that scores answers as the reward-functions page documents")
    .addOption(new Option("--kind <kind>", "exact (answer equals the reference), numeric (the last number), json-fields (share of the reference object's fields), judge (a Bedrock model scores it)").choices([...GRADER_KINDS]).default("exact"))
    .option("-o, --output <dir>", "folder to write index.mjs, package.json and README.md into", "grader")
    .option("--force", "replace a grader already in the folder")
    .action(async (o: { kind: GraderKind; output: string; force?: boolean }) => {
      const entry = join(o.output, "index.mjs");
      if (existsSync(entry) && !o.force) throw new PrepError(`${entry} exists: give another -o folder, or --force to replace it`, 2);
      await mkdir(o.output, { recursive: true });
      const pkg = { name: "rft-grader", private: true, type: "module", main: "index.mjs", ...(o.kind === "judge" ? { dependencies: { "@aws-sdk/client-bedrock-runtime": "^3", "@smithy/node-http-handler": "^4" } } : {}) };
      await writeWhole(entry, graderSource(o.kind));
      await writeWhole(join(o.output, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
      await writeWhole(join(o.output, "README.md"), graderReadme(o.kind));
      process.stderr.write(`wrote ${entry} (${o.kind} grader), package.json and README.md; try it: prep-data grader test ${o.output} --records rft.jsonl --responses replies.jsonl\n`);
      setExit(0);
    });

  grader
    .command("test <grader>")
    .description("run a grader locally over sample answers, as Bedrock calls it: every return checked, the score distribution reported")
    .requiredOption("--records <file>", "the RFT records (JSONL, --format rft)")
    .option("--responses <file>", "answers to grade, JSONL: {\"id\"?, \"response\"} or a JSON string per line (matched by id, else one per record in order); default: each record's reference answer, which should score the top")
    .option("--batch-size <n>", "samples per call (Bedrock sends batches)", intArg("--batch-size", 1), 8)
    .option("--timeout <duration>", "per call, as the Lambda's timeout (e.g. 30s, 5m; Lambda's maximum is 15m)", durationArg, 60)
    .addOption(new Option("--payload <shape>", "where each sample carries the reference answer: both (default; the docs disagree), top-level (reference_answer, the Nova 2 guide) or metadata (metadata.reference_answer with the record's other fields, Bedrock's page)").choices(["both", "top-level", "metadata"]).default("both"))
    .option("-o, --output <file>", "each sample's score and metrics as JSONL (record line, response line, id, score, metrics or problem)")
    .option("--json", "print the report as JSON on stdout")
    .action(async (path: string, o: { records: string; responses?: string; batchSize: number; timeout: number; payload: "both" | "top-level" | "metadata"; output?: string; json?: boolean }) => {
      const { testGrader } = await import("../grader/check.js");
      const sink = o.output ? openSink(o.output, { inputs: [o.records, ...(o.responses ? [o.responses] : [])], option: "-o" }) : undefined;
      let r;
      try {
        r = await testGrader(path, { records: o.records, responses: o.responses, batchSize: o.batchSize, timeoutMs: o.timeout * 1000, payload: o.payload, onResult: sink ? (x) => sink.write(x) : undefined });
        await sink?.close();
      } catch (e) {
        await sink?.abort();
        throw e;
      }
      for (const f of r.findings.slice(0, 20)) process.stderr.write(`error: ${f.origin.source}${f.origin.line ? `:${f.origin.line}` : ""}: ${f.reason}: ${f.message}\n`);
      if (r.findings.length > 20) process.stderr.write(`… ${n(r.findings.length - 20)} more (-o FILE lists every sample)\n`);
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      else {
        const out: string[] = [`${n(r.samples)} samples in ${n(r.batches)} calls: ${n(r.scored)} scored, ${n(r.malformed)} malformed; slowest call ${(r.slowestBatchMs / 1000).toFixed(2)} s`];
        if (r.scores) {
          const s = r.scores;
          out.push(`aggregate_reward_score: mean ${s.mean.toFixed(3)}, min ${s.min}, p10 ${s.p10}, median ${s.p50}, p90 ${s.p90}, max ${s.max}`);
          const width = Math.max(...s.histogram.map((b) => b.count), 1);
          for (const b of s.histogram) out.push(`  ${b.from.toFixed(2).padStart(6)}–${b.to.toFixed(2).padEnd(6)} ${"█".repeat(Math.round((b.count / width) * 40)).padEnd(40)} ${n(b.count)}`);
          if (s.max === s.min && !r.referenceAsAnswer) out.push(`note: every answer scored ${s.min}: a reward that does not vary teaches nothing`);
        }
        for (const [name, m] of Object.entries(r.metrics)) out.push(`  ${m.type.padEnd(6)} ${name}: mean ${m.mean.toFixed(3)} over ${n(m.count)}`);
        if (r.referenceAsAnswer && r.scores && r.scores.min < r.scores.max) out.push("note: the reference answers themselves were graded (no --responses) and not all of them got the top score");
        if (r.logs.length) out.push(`grader output (last lines):\n  ${r.logs.join("\n  ")}`);
        process.stdout.write(out.join("\n") + "\n");
      }
      setExit(r.malformed ? 1 : 0);
    });
}

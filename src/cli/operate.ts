import type { Command } from "commander";
import { checkDistinctOutputs } from "../jsonl.js";
import type { Finding } from "../record.js";
import type { OperationResult } from "../ops/operation.js";
import { intArg, REPORT_HELP } from "./options.js";
import { report, Reporter } from "./report.js";

/** The options every record operation (dedup, sample, shuffle, split, merge, curate) takes. */
export interface OpsOpts {
  output: string;
  rejects?: string;
  metadata?: string;
  report?: string;
  quiet?: boolean;
  maxFindings: number;
}

/**
 * Run a record operation of the library (src/ops/commands.ts, judge/curate) for the CLI: its findings and notes
 * printed, the closing counts and --report written; the exit code.
 */
export async function operate(name: string, o: OpsOpts, run: (hooks: { onFinding: (f: Finding) => void; onNote: (line: string) => void; rep: Reporter }) => Promise<OperationResult>): Promise<number> {
  checkDistinctOutputs([{ option: "-o", path: o.output }, { option: "--rejects", path: o.rejects }, { option: "--metadata", path: o.metadata }, { option: "--report", path: o.report }]);
  report.target = o.report;
  const rep = new Reporter(o.maxFindings, o.quiet);
  const r = await run({ onFinding: rep.finding, onNote: (l) => (o.quiet ? undefined : rep.line(l)), rep });
  const removed = Object.values(r.removed).reduce((a, b) => a + b, 0);
  const reasons = Object.entries(r.removed).map(([k, v]) => `${k} ${v}`).join(", ");
  rep.flushFindings();
  const target = o.output === "-" ? "stdout" : o.output;
  if (!o.quiet) rep.line(`${name}: read ${r.read}, written ${r.written}, removed ${removed}${removed ? ` (${reasons})` : ""} → ${r.committed ? target : `nothing written (${o.output === "-" ? "stdout" : `${o.output} left as it was`})`} in ${(r.elapsedMs / 1000).toFixed(2)} s`);
  report.add({ read: r.read, written: r.written, rejected: r.removed, warnings: {}, output: o.output, elapsedMs: r.elapsedMs }, [{ role: "output", path: o.output, bytes: r.bytes, records: r.written, ...(r.committed ? {} : { committed: false }) }]);
  return r.exitCode;
}

export const common = (c: Command, defaultOutput = "-") =>
  c
    .option("-o, --output <file>", "output JSONL file, or - for stdout", defaultOutput)
    .option("--report <file>", REPORT_HELP)
    .option("--rejects <file>", "each refused line (not JSON, not UTF-8, no --group-by value) and each removed duplicate (with the line of the one kept), as JSONL")
    .option("--max-findings <n>", "print at most N findings", intArg("--max-findings"), 20)
    .option("-q, --quiet", "no summary");

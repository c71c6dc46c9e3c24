import type { Command } from "commander";
import { checkDistinctOutputs, checkOutputTarget, openSink, type Sink } from "../jsonl.js";
import type { Finding } from "../record.js";
import { rejectLine } from "../outputs/rejects.js";
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

/** Open the outputs of an operation (checked before any work), run it, commit all or nothing, print the counts. */
export async function operate(
  name: string,
  inputs: string[],
  o: OpsOpts,
  extra: { option: string; path: string | undefined }[],
  body: (out: { main: Sink; others: Map<string, Sink>; rep: Reporter; counts: { read: number; written: number; removed: Record<string, number> }; remove: (reason: string) => void; reject: (f: Finding) => Promise<void> }) => Promise<void>,
): Promise<number> {
  const outputs = [{ option: "-o", path: o.output }, { option: "--rejects", path: o.rejects }, { option: "--metadata", path: o.metadata }, { option: "--report", path: o.report }, ...extra];
  checkDistinctOutputs(outputs);
  for (const x of outputs) if (x.path !== undefined && x.option !== "--report") checkOutputTarget(x.path, { inputs, option: x.option });
  report.target = o.report;
  const rep = new Reporter(o.maxFindings, o.quiet);
  const main = openSink(o.output, { inputs, option: "-o" });
  const others = new Map<string, Sink>();
  const counts = { read: 0, written: 0, removed: {} as Record<string, number> };
  let committed = true;
  const t0 = Date.now();
  try {
    for (const x of [...outputs.slice(1), ...extra]) if (x.path !== undefined && x.option !== "--report" && !others.has(x.option)) others.set(x.option, openSink(x.path, { inputs, option: x.option }));
    const remove = (reason: string) => void (counts.removed[reason] = (counts.removed[reason] ?? 0) + 1);
    // A line that is not a record: printed, counted as removed by its reason, and listed in --rejects.
    const reject = async (f: Finding) => {
      rep.finding(f);
      remove(f.reason);
      await others.get("--rejects")?.write(rejectLine(f));
    };
    await body({ main, others, rep, counts, remove, reject });
    const rejects = others.get("--rejects");
    const data = [main, ...[...others].filter(([k]) => k !== "--rejects").map(([, v]) => v)];
    if (counts.written === 0 && counts.read > 0) {
      // Nothing usable: no output is replaced; --rejects says why.
      committed = false;
      for (const s of data) await s.abort();
    } else {
      for (const s of data) await s.finish?.();
      await rejects?.finish?.();
      for (const s of data) await s.close();
    }
    await rejects?.close();
  } catch (e) {
    for (const s of [main, ...others.values()]) await s.abort();
    throw e;
  }
  const removed = Object.values(counts.removed).reduce((a, b) => a + b, 0);
  const reasons = Object.entries(counts.removed).map(([k, v]) => `${k} ${v}`).join(", ");
  rep.flushFindings();
  const target = o.output === "-" ? "stdout" : o.output;
  if (!o.quiet) rep.line(`${name}: read ${counts.read}, written ${counts.written}, removed ${removed}${removed ? ` (${reasons})` : ""} → ${committed ? target : `nothing written (${o.output === "-" ? "stdout" : `${o.output} left as it was`})`} in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  report.add({ read: counts.read, written: counts.written, rejected: counts.removed, warnings: {}, output: o.output, elapsedMs: Date.now() - t0 }, [{ role: "output", path: o.output, bytes: committed ? (main.bytes ?? 0) : 0, records: counts.written, ...(committed ? {} : { committed: false }) }]);
  return counts.written === 0 && counts.read > 0 ? 3 : Object.keys(counts.removed).some((k) => REFUSALS.has(k)) ? 1 : 0;
}

/** Reasons that refuse a line as input it could not read (exit 1); the others are what the command is for (duplicates). */
export const REFUSALS = new Set(["json-syntax", "schema", "format", "encoding", "no-group", "no-key", "judge-error", "judge-parse", "no-document", "no-question", "no-answer"]);

export const common = (c: Command, defaultOutput = "-") =>
  c
    .option("-o, --output <file>", "output JSONL file, or - for stdout", defaultOutput)
    .option("--report <file>", REPORT_HELP)
    .option("--rejects <file>", "each refused line (not JSON, not UTF-8, no --group-by value) and each removed duplicate (with the line of the one kept), as JSONL")
    .option("--max-findings <n>", "print at most N findings", intArg("--max-findings"), 20)
    .option("-q, --quiet", "no summary");


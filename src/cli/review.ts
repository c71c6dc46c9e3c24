import type { Command } from "commander";
import { intArg } from "./options.js";

export function addReviewCommand(program: Command): void {
  program
    .command("review <file>")
    .description("a local page (127.0.0.1, a one-time token in its URL) to read a file's records with their findings, filter them, and accept, reject or edit each (an edit is checked before it is kept); Save writes the curated file beside the original, which is never touched")
    .option("-m, --model <id>", "check records and edits against this model's rules too")
    .option("--port <n>", "port on 127.0.0.1 (default: a free one)", intArg("--port"), 0)
    .option("--output <file>", "the curated file (default: FILE.curated.jsonl)")
    .option("--log <file>", "the decisions log, read back to resume (default: FILE.review-log.jsonl)")
    .action(async (file: string, o: { model?: string; port: number; output?: string; log?: string }) => {
      const { startReview } = await import("../review/server.js");
      const r = await startReview(file, { model: o.model, port: o.port, output: o.output, log: o.log });
      process.stderr.write(`review: open ${r.url}\n(only this machine can reach it, and only with the token; Ctrl-C to stop)\n`);
      await new Promise(() => undefined); // until Ctrl-C: the signal handler exits
    });
}

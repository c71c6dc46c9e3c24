#!/usr/bin/env node
import { writeSync } from "node:fs";
import module from "node:module";

// `prep-data --version` alone: the version, without loading the CLI (its start-up is the whole of such a run).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const { VERSION } = await import("../dist/version.js");
  process.stdout.write(`${VERSION}\n`);
} else await run();

async function run() {
  // Node 22.1+: keep compiled code between runs (start-up is most of a short run); Node 20 has no such cache.
  module.enableCompileCache?.();
  // The bundled CLI (scripts/bundle.js, part of `npm run build`) starts in about half the time of dist/cli's ~150
  // modules; dist/cli is the fallback when only tsc has run.
  const { main, osReason } = await import("../dist/cli-bundle/main.js").catch((e) => {
    if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("cli-bundle")) throw e;
    return import("../dist/cli/main.js");
  });

  // `prep-data … | head`: the reader went away; stop quietly, as Unix tools do. Any other stdout error (a full disk
  // under `> file`) fails the run with one line: the sink writing records reports it; a report printed at the end
  // is caught when the process exits.
  let stdoutError;
  process.stdout.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(0);
    stdoutError = e;
  });
  process.on("exit", () => {
    if (stdoutError && process.exitCode !== 3) {
      writeSync(2, `prep-data: cannot write stdout: ${osReason(stdoutError)}\n`);
      process.exitCode = 3;
    }
  });

  process.exitCode = await main(process.argv);
}

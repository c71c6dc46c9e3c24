#!/usr/bin/env node
import { main } from "../dist/cli/main.js";

// `prep-data … | head`: the reader went away; stop quietly, as Unix tools do.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const code = await main(process.argv);
process.exitCode = code;

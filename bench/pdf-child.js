// One measured `prep-data pdf` run in a fresh process; peak RSS covers the worker threads too.
import { main } from "../dist/index.js";

const t0 = performance.now();
const code = await main(["node", "prep-data", "pdf", ...process.argv.slice(2), "-q"]);
const seconds = (performance.now() - t0) / 1000;
console.error(JSON.stringify({ code, seconds, maxRssKb: process.resourceUsage().maxRSS }));

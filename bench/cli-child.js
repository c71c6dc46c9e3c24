// One measured CLI run in a fresh process, as a user would start it: seconds since the process started (Node's
// own start-up included) and peak RSS (worker threads included). Output goes where the arguments say.
import { main } from "../dist/cli-bundle/main.js";
import { peakRssKb } from "./peak-rss.js";

const code = await main(["node", "prep-data", ...process.argv.slice(2)]);
const usage = process.resourceUsage();
console.error(JSON.stringify({ code, seconds: process.uptime(), cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssKb: peakRssKb() }));

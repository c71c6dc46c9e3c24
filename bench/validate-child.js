// One measured validate run in a fresh process: wall time and this process's peak RSS.
import { validateFiles } from "../dist/index.js";

const [file, model, jobs] = process.argv.slice(2);
const t0 = performance.now();
const r = await validateFiles({ train: file }, { model, keepFindings: 100, jobs: Number(jobs ?? 1) });
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ seconds, records: r.files[0].records, errors: r.errors, warnings: r.warnings, maxRssKb: process.resourceUsage().maxRSS }));

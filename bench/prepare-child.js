// One measured run in a fresh process: DialogSum train → instruction JSONL through the library, reporting
// wall time and the process's peak RSS (so the numbers are the tool's alone, not the benchmark driver's).
import { statSync } from "node:fs";
import { prepare, presets } from "../dist/index.js";
import { peakRssKb } from "./peak-rss.js";

const [output] = process.argv.slice(2);
const preset = presets.dialogsum;
const t0 = performance.now();
const r = await prepare({
  input: { kind: "hub", dataset: preset.dataset, split: "train" },
  format: "instruction",
  templates: preset.templates,
  output,
});
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ read: r.read, written: r.written, downloaded: r.hub?.downloaded, seconds, outBytes: statSync(output).size, maxRssKb: peakRssKb() }));

// demo: what a user would pick instead of prep-data for the demo's job and its start-up, run side by side in this
// bench run (whole processes, interleaved round by round so all see the same load; medians), each line with its
// ratio and the target it is held to:
//   start-up        `--version` and a 1-row csv job against `node -e 0` (target ≤ 1.4×)
//   the demo's job  DialogSum's train CSV → instruction JSONL with `csv`, `dialogsum` and `dialogsum --model
//                   llama2-13b` against a Python stdlib script (csv + json; target ≤ 1.0×) whose output is checked
//                   byte for byte against prep-data's, and Miller; at 10× the data against both (target ≤ 1.2× Miller)
//   token counts    `stats --tokenizer llama3` against `--tokenizer cl100k` on the same file (target ≤ 1.5×)
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const exec = promisify(execFile);
const PROMPT = "Summarize the simplest and most interesting part of the following conversation.\n\n";
const END = "\n\nSummary: ";

/** The script a user would write instead: stdlib csv + json, the same records, the same bytes. */
const PYTHON = `import csv, json, sys
P = ${JSON.stringify(PROMPT)}
with open(sys.argv[1], newline='', encoding='utf-8') as f, open(sys.argv[2], 'w', encoding='utf-8') as out:
    for row in csv.DictReader(f):
        out.write(json.dumps({"prompt": P + row["dialogue"] + ${JSON.stringify(END)}, "completion": row["summary"]}, ensure_ascii=False, separators=(",", ":")) + "\\n")
`;

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function seconds(cmd, args, env) {
  const t0 = performance.now();
  await exec(cmd, args, { env, maxBuffer: 1 << 26 });
  return (performance.now() - t0) / 1000;
}

async function has(cmd, args) {
  return exec(cmd, args).then(
    () => true,
    () => false,
  );
}

/** Runs each command `rounds` times, one of each per round; the median seconds of each. */
async function race(rounds, commands) {
  const times = commands.map(() => []);
  for (let i = 0; i < rounds; i++) for (const [k, c] of commands.entries()) times[k].push(await seconds(c.cmd, c.args, c.env));
  return times.map(median);
}

function line(label, s, ref, refName, target) {
  const ratio = ref === undefined ? "" : `  ${(s / ref).toFixed(2)}× ${refName}${target ? ` (target ≤ ${target}×)` : ""}`;
  console.log(`  ${label.padEnd(46)} ${s.toFixed(3)} s${ratio}`);
}

export async function benchDemo({ root, shared, work, env }) {
  const bin = join(root, "bin/prep-data.js");
  const node = process.execPath;
  const pd = (args) => ({ cmd: node, args: [bin, ...args], env });
  const csv = join(shared, "datasets/hf/datasets/knkarthick/dialogsum/main/train.csv");

  console.log(`\nstart-up (Node ${process.version}; median of 15 rounds)`);
  const one = join(work, "one.csv");
  writeFileSync(one, 'id,dialogue,summary\n1,"#Person1#: Hi.\n#Person2#: Hello.",A greeting.\n');
  const [bare, version, oneRow] = await race(15, [{ cmd: node, args: ["-e", "0"] }, pd(["--version"]), pd(["csv", one, "--prompt", "{dialogue}", "--completion", "{summary}", "-o", join(work, "one.jsonl"), "-q"])]);
  line("node -e 0", bare);
  line("prep-data --version", version, bare, "node -e 0", 1.4);
  line("prep-data csv, 1 row", oneRow, bare, "node -e 0", 1.4);

  const python = (await has("python3", ["--version"])) ? join(work, "demo_stdlib.py") : undefined;
  if (python) writeFileSync(python, PYTHON);
  const miller = await has("mlr", ["--version"]);
  const tpl = ["--prompt", `${PROMPT}{dialogue}${END}`, "--completion", "{summary}"];
  const mlr = (input, output) => ({ cmd: "sh", args: ["-c", `mlr --icsv --ojsonl put '$prompt = ${JSON.stringify(PROMPT)} . $dialogue . ${JSON.stringify(END)}; $completion = $summary' then cut -o -f prompt,completion "$1" > "$2"`, "sh", input, output] });
  for (const [label, input, rounds] of [
    ["DialogSum train CSV (12,460 rows, 11 MB)", csv, 5],
    ["the same ×10 (124,600 rows, 113 MB)", join(work, "ds10.csv"), 3],
  ]) {
    if (input !== csv) {
      const text = readFileSync(csv, "utf8");
      const body = text.slice(text.indexOf("\n") + 1);
      writeFileSync(input, text.slice(0, text.indexOf("\n") + 1) + body.repeat(10));
    }
    console.log(`\nthe demo's job: ${label} → instruction JSONL (whole processes; median of ${rounds} rounds)`);
    const small = input === csv;
    const out = join(work, small ? "demo-csv.jsonl" : "demo-csv10.jsonl");
    const commands = [pd(["csv", input, ...tpl, "-o", out, "-q"])];
    if (small) commands.push(pd(["dialogsum", "-o", join(work, "demo-ds.jsonl"), "-q"]), pd(["dialogsum", "--model", "llama2-13b", "-o", join(work, "demo-ds-llama.jsonl"), "-q"]));
    if (python) commands.push({ cmd: "python3", args: [python, input, join(work, "demo-py.jsonl")] });
    if (miller) commands.push(mlr(input, join(work, "demo-mlr.jsonl")));
    const t = await race(rounds, commands);
    const [csvT, dsT, dsLlamaT] = small ? t : [t[0]];
    const pyT = python ? t[small ? 3 : 1] : undefined;
    const mlrT = miller ? t.at(-1) : undefined;
    if (python) {
      const same = readFileSync(out).equals(readFileSync(join(work, "demo-py.jsonl")));
      line("Python stdlib script (csv + json)", pyT);
      console.log(`    its output and prep-data's: ${same ? "byte-identical" : "DIFFERENT"}`);
    } else console.log("  Python stdlib script: SKIPPED (no python3)");
    if (miller) line("Miller (mlr --icsv --ojsonl put … then cut)", mlrT);
    else console.log("  Miller: SKIPPED (apt-get install miller)");
    line("prep-data csv", csvT, pyT, "the Python script", small ? 1.0 : undefined);
    if (!small && mlrT !== undefined) line("prep-data csv", csvT, mlrT, "Miller", 1.2);
    if (small) {
      line("prep-data dialogsum (local Hub, cached)", dsT, pyT, "the Python script", 1.0);
      line("prep-data dialogsum --model llama2-13b", dsLlamaT, pyT, "the Python script", 1.0);
    }
  }

  console.log("\ntoken counting: stats of DialogSum's instruction JSONL (12 MB; median of 3 rounds)");
  const jsonl = join(work, "demo-csv.jsonl");
  const [cl, l3] = await race(3, [pd(["stats", jsonl, "--tokenizer", "cl100k", "-q"]), pd(["stats", jsonl, "--tokenizer", "llama3", "-q"])]);
  line("stats --tokenizer cl100k", cl);
  line("stats --tokenizer llama3", l3, cl, "cl100k", 1.5);
}

import { copyFileSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { docsCsv } from "../helpers/docs.js";
import { teacher } from "../helpers/teachers.js";
import { lines, ROOT, run, tmp } from "../helpers/run.js";
import { splitWords, substitute } from "../../src/recipe/recipe.js";

describe("prep-data run RECIPE", () => {
  it("the README's synthetic-data experiment as examples/synthetic-experiment.yaml: every step runs, a second run skips them all (no teacher call), a changed input re-runs what depends on it, --force all", async () => {
    const s = await teacher();
    const d = tmp();
    docsCsv(d, 40);
    copyFileSync(join(ROOT, "examples", "synthetic-experiment.yaml"), join(d, "recipe.yaml"));
    const env = { SAMPLE: "20", TEACHER: "openai:qwen2.5-7b-instruct", OPENAI_BASE_URL: `${s.url}/v1`, PREP_DATA_TEACHER_BACKOFF_MS: "10" };
    const first = await run(["run", join(d, "recipe.yaml"), "--report", join(d, "run.json")], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/recipe: step 1\/4 originals: prep-data csv docs\.csv --prompt '\{document\}\\n\\n\{question\}'/);
    expect(first.stderr).toMatch(/4 steps: 4 run, 0 up to date → exit 0/);
    const report = JSON.parse(readFileSync(join(d, "run.json"), "utf8")) as { steps: { name: string; exitCode: number; report: { written: number; synth?: { judge?: unknown } } }[] };
    expect(report.steps.map((x) => [x.name, x.exitCode])).toEqual([["originals", 0], ["synthetic", 0], ["train", 0], ["heldout", 0]]);
    expect(report.steps[1]!.report.synth!.judge).toBeDefined();
    expect(lines(readFileSync(join(d, "heldout.jsonl"), "utf8")).length).toBe(report.steps[3]!.report.written);
    const calls = s.seen.length;
    const again = await run(["run", join(d, "recipe.yaml")], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/4 steps: 0 run, 4 up to date/);
    expect(s.seen.length).toBe(calls);
    // A newer docs.csv: the two steps that read it run again, and so do the ones after them (their inputs are newer).
    const later = new Date(Date.now() + 5000);
    utimesSync(join(d, "docs.csv"), later, later);
    const changed = await run(["run", join(d, "recipe.yaml")], { env });
    expect(changed.stderr).toMatch(/4 steps: 4 run, 0 up to date/);
    const forced = await run(["run", join(d, "recipe.yaml"), "--force"], { env });
    expect(forced.stderr).toMatch(/4 steps: 4 run/);
  });

  it("${VAR} from the environment, then the recipe's env; an unset one, a failing step and a bad file are clear errors; a step that exits 1 lets the recipe go on", async () => {
    const d = tmp();
    writeFileSync(join(d, "a.csv"), "q,a\nx,y\nonly one\n");
    writeFileSync(join(d, "r.yaml"), "env:\n  OUT: out.jsonl\nsteps:\n  - run: csv a.csv --prompt '{q}' --completion '{a}' -o ${OUT}\n  - run: [dedup, '${OUT}', -o, deduped.jsonl]\n  - name: broken\n    run: csv missing.csv --prompt '{q}' --completion '{a}' -o m.jsonl\n  - run: dedup out.jsonl -o never.jsonl\n");
    const r = await run(["run", join(d, "r.yaml")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/4 steps: 3 run, 0 up to date, 1 not run → exit 3/);
    expect(r.stderr).toMatch(/step broken failed \(exit 3\); the later steps are not run/);
    expect(lines(readFileSync(join(d, "deduped.jsonl"), "utf8"))).toEqual([{ prompt: "x", completion: "y" }]);
    const envOut = await run(["run", join(d, "r.yaml"), "--force"], { env: { OUT: "other.jsonl" } });
    expect(readFileSync(join(d, "other.jsonl"), "utf8")).toContain('"x"');
    expect(envOut.code).toBe(3);
    writeFileSync(join(d, "u.yaml"), "steps:\n  - run: csv ${NOPE} -o x.jsonl\n");
    const unset = await run(["run", join(d, "u.yaml")], { env: { NOPE: undefined } });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/u\.yaml: step 1: \$\{NOPE\} is not set/);
    writeFileSync(join(d, "b.yaml"), "steps: [\n");
    expect((await run(["run", join(d, "b.yaml")])).code).toBe(2);
    expect(substitute("a$$b ${X}", { X: "1" }, "here")).toBe("a$b 1");
    expect(splitWords(`csv a.csv --prompt '{q}\\n it'\\''s' --completion "{a} \\"b\\""`, "here")).toEqual(["csv", "a.csv", "--prompt", "{q}\\n it's", "--completion", '{a} "b"']);
  });

  it("--print-recipe prints the command line as a step that runs the same command", async () => {
    const d = tmp();
    writeFileSync(join(d, "a.csv"), "q,a\nx,y's\n");
    const r = await run(["csv", "a.csv", "--prompt", "Q: {q}\\n", "--completion", "{a}", "-o", "o.jsonl", "--print-recipe"], { cwd: d });
    expect(r.code, r.stderr).toBe(0);
    const step = r.stderr.slice(0, r.stderr.indexOf("read "));
    const { parse } = await import("yaml");
    expect(parse(step)).toEqual([{ name: "csv", run: "csv a.csv --prompt 'Q: {q}\\n' --completion {a} -o o.jsonl" }]);
    writeFileSync(join(d, "r.yaml"), `steps:\n${step.replace("o.jsonl", "p.jsonl")}`);
    const back = await run(["run", join(d, "r.yaml")]);
    expect(back.code, back.stderr).toBe(0);
    expect(readFileSync(join(d, "p.jsonl"), "utf8")).toBe(readFileSync(join(d, "o.jsonl"), "utf8"));
  });
});

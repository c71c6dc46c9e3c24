import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { HELP } from "../../src/cli/help.js";
import { splitWords } from "../../src/recipe/recipe.js";
import { run } from "../helpers/run.js";
import { commandPaths } from "../helpers/commands.js";

/** A command line from `prep-data` on, split as a POSIX shell splits it (the recipe reader's splitter). */
const argv = (line: string) => splitWords(line.slice(line.indexOf("prep-data ") + "prep-data ".length), "example");

const PARSED = new Error("parsed");

/** Parse a command line with the real program, stopping before its action runs. */
async function parses(args: string[]): Promise<true | string> {
  const program = await buildProgram(() => undefined);
  const quiet = (c: Command) => {
    c.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    c.commands.forEach(quiet);
  };
  quiet(program);
  program.hook("preAction", () => {
    throw PARSED;
  });
  try {
    await program.parseAsync(["node", "prep-data", ...args]);
    return "the action was not reached";
  } catch (e) {
    if (e === PARSED) return true;
    return e instanceof CommanderError ? e.message : String(e);
  }
}

describe("--help", () => {
  it("every command's help ends with examples, the environment it reads and its exit codes", async () => {
    const paths = await commandPaths();
    expect(paths).toEqual(expect.arrayContaining(["csv", "synth", "curate", "eval", "job create", "grader test", "merge"]));
    for (const p of paths) {
      expect(HELP[p], p).toBeDefined();
      const r = await run([...p.split(" "), "--help"]);
      expect(r.stdout, p).toMatch(/\nExamples:\n  \$ prep-data /);
      expect(r.stdout, p).toMatch(/\nExit codes: 0 /);
      if (HELP[p]!.env.length) expect(r.stdout, p).toMatch(/\nEnvironment:\n  /);
    }
  });

  it("every example in --help parses with the real program (options, arguments and choices)", async () => {
    for (const [path, h] of Object.entries(HELP)) {
      expect(h.examples.length, path).toBeGreaterThan(0);
      for (const e of h.examples) {
        const args = argv(e);
        expect(args.slice(0, path.split(" ").length).join(" "), e).toBe(path);
        expect(await parses(args), e).toBe(true);
      }
    }
    // The check can fail: an unknown option and a bad choice do not parse.
    expect(await parses(["csv", "x.csv", "--no-such-option"])).toMatch(/unknown option/);
    expect(await parses(["convert", "x.jsonl", "--to", "nothing"])).toMatch(/Allowed choices/);
  });
});

describe("nearest names", () => {
  it("a value outside an option's choices gets the nearest one; a value like none gets none", async () => {
    const r = await run(["csv", "x.csv", "--format", "instructoin"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'instructoin' is invalid[\s\S]*\ndid you mean instruction\?\n/);
    const t = await run(["convert", "x.jsonl", "--to", "evalution"]);
    expect(t.stderr).toMatch(/did you mean evaluation\?/);
    const z = await run(["convert", "x.jsonl", "--to", "zzzzzzzz"]);
    expect(z.code).toBe(2);
    expect(z.stderr).not.toMatch(/did you mean/);
  });
});

describe("what the README says", () => {
  it("stats --model uses the model's default epochs, as validate --stats does; validate and stats of a missing file exit 3", async () => {
    const d = (await import("../helpers/run.js")).tmp();
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const f = join(d, "one.jsonl");
    writeFileSync(f, '{"prompt":"a","completion":"b"}\n');
    const s = await run(["stats", f, "--model", "llama3.1-8b"]);
    const v = await run(["validate", f, "--model", "llama3.1-8b", "--stats"]);
    const epochs = (t: string) => /× (\d+) epochs/.exec(t)?.[1];
    expect(epochs(v.stdout + v.stderr)).toBe("5");
    expect(epochs(s.stdout + s.stderr)).toBe("5");
    for (const c of ["validate", "stats"]) {
      const m = await run([c, join(d, "missing.jsonl")]);
      expect(m.code, c).toBe(3);
      expect(m.stderr).toMatch(/missing\.jsonl: no such file/);
    }
  });
});

describe("shell completion", () => {
  it("bash: the script completes commands, options, choices and model names through the installed prep-data", async () => {
    const { mkdirSync, symlinkSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { spawnSync } = await import("node:child_process");
    const { tmp, ROOT } = await import("../helpers/run.js");
    const d = tmp();
    mkdirSync(join(d, "bin"));
    symlinkSync(join(ROOT, "bin", "prep-data.js"), join(d, "bin", "prep-data"));
    const script = (await run(["completion", "bash"])).stdout;
    writeFileSync(join(d, "c.bash"), script);
    const ask = (words: string[], cword = words.length - 1) => {
      const sh = `source ${join(d, "c.bash")}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${cword}; _prep_data_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync("bash", ["-c", sh], { encoding: "utf8", env: { ...process.env, PATH: `${join(d, "bin")}:${process.env.PATH}` } });
      return r.stdout.split("\n").filter(Boolean);
    };
    expect(ask(["prep-data", "sy"])).toEqual(["synth"]);
    expect(ask(["prep-data", "job", ""])).toEqual(["create", "status", "wait"]);
    expect(ask(["prep-data", "csv", "x.csv", "--form"])).toEqual(["--format"]);
    expect(ask(["prep-data", "csv", "x.csv", "--format", "ins"])).toEqual(["instruction"]);
    expect(ask(["prep-data", "validate", "t.jsonl", "--model", "nova-2"])).toEqual(expect.arrayContaining(["nova-2-lite"]));
    expect(ask(["prep-data", "upload", "t.jsonl", "--reg"])).toEqual(["--region"]); // the AWS options on every command
    expect(ask(["prep-data", "csv", "x"])).toEqual([]); // files: the shell's own completion
    expect(ask(["prep-data", "dialogsum", "--us"])).toEqual(["--user-speaker"]); // deprecated names are not offered
  });

  it("zsh and fish scripts ask the same helper; an unknown shell is a usage error", async () => {
    const z = await run(["completion", "zsh"]);
    expect(z.stdout).toMatch(/^#compdef prep-data/);
    expect(z.stdout).toContain("prep-data __complete $((CURRENT - 1)) --");
    const f = await run(["completion", "fish"]);
    expect(f.stdout).toContain("complete -c prep-data -a '(__prep_data_complete)'");
    const bad = await run(["completion", "tcsh"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/tcsh is not a shell prep-data completes/);
    const top = await run(["--help"]);
    expect(top.stdout).not.toMatch(/__complete/);
  });
});

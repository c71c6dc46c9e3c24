import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { COMMAND_MODULES, modulesFor } from "../../src/cli/commands.js";
import { buildProgram } from "../../src/cli/main.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, run } from "../helpers/run.js";

const names = (ms: typeof COMMAND_MODULES) => ms.flatMap((m) => m.names);

describe("start-up loads only the command it runs", () => {
  it("modulesFor: the named command's module, none for --version, all for help, unknown names and run", () => {
    expect(modulesFor(["--version"])).toEqual([]);
    expect(modulesFor(["-V"])).toEqual([]);
    expect(names(modulesFor(["csv", "x.csv", "--prompt", "{a}"]))).toEqual(["csv", "json", "parquet", "hf"]);
    expect(names(modulesFor(["--region", "eu-west-1", "--target=trl", "--s3-path-style", "dedup", "a.jsonl"]))).toEqual(["dedup", "sample", "shuffle", "split", "merge"]);
    expect(names(modulesFor(["--profile", "p", "job", "create"]))).toEqual(["upload", "job"]);
    expect(names(modulesFor(["help", "validate"]))).toEqual(["validate", "stats", "models"]);
    // Whole program: nothing named, help, a misspelt name (commander suggests the nearest), what reads every command,
    // and an option this scan does not know before the name.
    for (const args of [[], ["--help"], ["help"], ["csvv"], ["run", "r.yaml"], ["__complete", "1", "c"], ["--quiet", "csv"], ["--version", "csvv"]]) {
      expect(modulesFor(args), args.join(" ")).toBe(COMMAND_MODULES);
    }
  });

  it("each module adds exactly the commands it is listed under, and together they are the whole program", async () => {
    const all = await buildProgram(() => undefined);
    const defined = all.commands.map((c) => c.name()).filter((n) => n !== "help");
    expect(defined.sort()).toEqual(names(COMMAND_MODULES).sort());
    for (const m of COMMAND_MODULES) {
      const p = new Command("prep-data");
      (await m.load())(p, () => undefined);
      expect(p.commands.map((c) => c.name()), m.names.join(" ")).toEqual(m.names);
    }
  });

  it("a command's help, a global option after its name and a misspelt name read as with every command loaded", async () => {
    const h = await run(["dedup", "--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^Usage: prep-data dedup \[options\] <files\.\.\.>/);
    expect(h.stdout).toMatch(/\nExamples:\n/);
    // --version alone is answered by bin/ without loading the CLI; with other words, by the program: the same
    // version, package.json's.
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const args of [["--version"], ["-V"], ["--region", "eu-west-1", "--version"]]) {
      const v = await run(args);
      expect([v.code, v.stdout], args.join(" ")).toEqual([0, `${version}\n`]);
    }
    const typo = await run(["dedupp", "x.jsonl"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown command 'dedupp'[\s\S]*Did you mean dedup\?/);
    const top = await run(["--help"]);
    for (const n of names(COMMAND_MODULES).filter((x) => !x.startsWith("__"))) expect(top.stdout, n).toMatch(new RegExp(`^  ${n}\\b`, "m"));
  });
});

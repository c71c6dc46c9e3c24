import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, run } from "../helpers/run.js";
import { commandPaths } from "../helpers/commands.js";

const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** The long options a command's --help lists. */
async function helpOptions(command: string): Promise<Set<string>> {
  const r = await run([...command.split(" "), "--help"]);
  return new Set([...r.stdout.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]!));
}

describe("the README and --help agree", () => {
  it("every option of every command's --help is in the README, and the common-options table is what the template commands take", async () => {
    const paths = await commandPaths();
    const mentioned = new Set(README.match(/--[a-z][a-z0-9-]*/g));
    const missing: string[] = [];
    for (const p of paths) for (const o of await helpOptions(p)) if (!mentioned.has(o) && o !== "--help" && o !== "--no-cache") missing.push(`${p} ${o}`);
    expect(missing).toEqual([]);
    // The table under "Common options of every data command".
    const at = README.indexOf("Common options of every data command:");
    const table = README.slice(at, README.indexOf("\n\n", README.indexOf("| option | meaning |", at)));
    const tableOptions = new Set([...table.matchAll(/^\| ([^|]*(?:\\\|[^|]*)*) \|/gm)].flatMap((m) => m[1]!.match(/--[a-z][a-z-]*/g) ?? []));
    expect(tableOptions.size).toBeGreaterThan(15);
    for (const c of ["csv", "json", "parquet", "hf"]) {
      const have = await helpOptions(c);
      expect([...tableOptions].filter((o) => !have.has(o)), c).toEqual([]);
    }
  });
});

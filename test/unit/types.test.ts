import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tmp } from "../helpers/run.js";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

/** Type-check a snippet against the built declarations (dist/), as a library user's compiler would. */
function typecheck(code: string): string {
  const dir = tmp();
  writeFileSync(join(dir, "use.ts"), code);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: ["node"], typeRoots: [join(ROOT, "node_modules/@types")] }, files: ["use.ts"] }),
  );
  try {
    execFileSync(process.execPath, [TSC, "-p", dir], { encoding: "utf8" });
    return "";
  } catch (e) {
    return String((e as { stdout?: string }).stdout);
  }
}

describe("library types", () => {
  it("format is the union of format names: a typo fails to compile, a real name compiles", () => {
    const api = JSON.stringify(join(ROOT, "dist", "index.js"));
    const good = `import { prepare, validateFiles } from ${api};\nvoid prepare({ input: { kind: "files", paths: ["a.csv"] }, format: "instruction", output: "-" });\nvoid validateFiles({ train: "t.jsonl" }, { format: "conversation" });\n`;
    expect(typecheck(good)).toBe("");
    const typo = `import { prepare } from ${api};\nvoid prepare({ input: { kind: "files", paths: ["a.csv"] }, format: "instrution", output: "-" });\n`;
    expect(typecheck(typo)).toMatch(/error TS\d+: Type '"instrution"' is not assignable to type '.*"instruction".*'/);
  });
});

import { run } from "./run.js";

/** Every command path of the CLI (`csv`, `job create`, …), as `--help` lists them. */
export async function commandPaths(): Promise<string[]> {
  const top = await run(["--help"]);
  const commands = [...top.stdout.matchAll(/^  (\w[\w-]*)/gm)].map((m) => m[1]!).filter((c) => c !== "help");
  const paths: string[] = [];
  for (const c of commands) {
    const sub = await run([c, "--help"]);
    const nested = [...sub.stdout.matchAll(/^Commands:\n([\s\S]*)$/gm)].flatMap((m) => [...m[1]!.matchAll(/^  (\w[\w-]*)/gm)].map((x) => x[1]!)).filter((x) => x !== "help");
    paths.push(...(nested.length ? nested.map((n) => `${c} ${n}`) : [c]));
  }
  return paths;
}

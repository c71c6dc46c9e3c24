import { stat } from "node:fs/promises";
import fg from "fast-glob";

/** Files, directories (every PDF under them) and globs → PDF paths, in a stable order; `-` stays as stdin. */
export function expandPdfInputs(inputs: string[]): Promise<{ paths: string[]; unmatched: string[] }> {
  return expandInputs(inputs, "**/*.pdf");
}

/** Files, directories (every file under them matching `glob`) and globs → paths, in a stable order; `-` is stdin. */
export async function expandInputs(inputs: string[], glob: string): Promise<{ paths: string[]; unmatched: string[] }> {
  const paths: string[] = [];
  const unmatched: string[] = [];
  for (const input of inputs) {
    if (input === "-") {
      paths.push("-");
      continue;
    }
    const st = await stat(input).catch(() => undefined);
    if (st?.isFile()) paths.push(input);
    else if (st?.isDirectory()) {
      const found = (await fg(glob, { cwd: input, caseSensitiveMatch: false, onlyFiles: true })).sort();
      if (!found.length) unmatched.push(input);
      paths.push(...found.map((f) => `${input.replace(/\/+$/, "")}/${f}`));
    } else if (fg.isDynamicPattern(input)) {
      const found = (await fg(input, { onlyFiles: true, caseSensitiveMatch: false })).sort();
      if (!found.length) unmatched.push(input);
      paths.push(...found);
    } else unmatched.push(input);
  }
  return { paths: [...new Set(paths)], unmatched };
}

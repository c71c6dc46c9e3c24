import { stat } from "node:fs/promises";

/** Files, directories (every PDF under them) and globs → PDF paths, in a stable order; `-` stays as stdin. */
export function expandPdfInputs(inputs: string[]): Promise<{ paths: string[]; unmatched: string[] }> {
  return expandInputs(inputs, "**/*.pdf");
}

/** Files, directories (every file under them matching `glob`) and globs → paths, in a stable order; `-` is stdin. */
export async function expandInputs(inputs: string[], glob: string): Promise<{ paths: string[]; unmatched: string[] }> {
  const paths: string[] = [];
  const unmatched: string[] = [];
  // Every local input's stat at once (a long list of files is the common case); fast-glob only for folders and globs.
  const stats = await Promise.all(inputs.map((i) => (i === "-" || i.startsWith("s3://") ? undefined : stat(i).catch(() => undefined))));
  const fastGlob = () => import("fast-glob").then((m) => m.default);
  for (const [at, input] of inputs.entries()) {
    if (input === "-") {
      paths.push("-");
      continue;
    }
    if (input.startsWith("s3://")) {
      // A key is taken as given; a prefix (ending in /) or a * glob names every object it matches with the extension.
      if (!input.endsWith("/") && !input.includes("*")) {
        paths.push(input);
        continue;
      }
      const { listObjects } = await import("../s3/s3.js");
      const exts = extensionsOf(glob);
      const found = (await listObjects(input)).filter((k) => !k.endsWith("/") && (input.includes("*") || exts.some((e) => k.toLowerCase().endsWith(e))));
      if (!found.length) unmatched.push(input);
      paths.push(...found);
      continue;
    }
    const st = stats[at];
    if (st?.isFile()) paths.push(input);
    else if (st?.isDirectory()) {
      const fg = await fastGlob();
      const found = (await fg(glob, { cwd: input, caseSensitiveMatch: false, onlyFiles: true })).sort();
      if (!found.length) unmatched.push(input);
      paths.push(...found.map((f) => `${input.replace(/\/+$/, "")}/${f}`));
    } else if ((await fastGlob()).isDynamicPattern(input)) {
      const fg = await fastGlob();
      const found = (await fg(input, { onlyFiles: true, caseSensitiveMatch: false })).sort();
      if (!found.length) unmatched.push(input);
      paths.push(...found);
    } else unmatched.push(input);
  }
  return { paths: [...new Set(paths)], unmatched };
}

/** `**\/*.pdf` → [".pdf"]; `**\/*.{txt,md}` → [".txt", ".md"]. */
function extensionsOf(glob: string): string[] {
  const m = /\*\.(?:\{([^}]+)\}|([^/{}*]+))$/.exec(glob);
  return m ? (m[1] ?? m[2]!).split(",").map((e) => "." + e.toLowerCase()) : [""];
}

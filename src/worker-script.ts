import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The built script of a worker thread, `dist/<path>`, for the module at `from` (its import.meta.url) that starts it:
 * beside that module when it runs from dist/; else dist/'s own, reached from src/ under a TypeScript test runner or
 * from the bundled CLI's chunks in dist/cli-bundle/ (both two levels under the project).
 */
export function workerScript(path: string, from: string): URL {
  const here = new URL(`./${path.slice(path.lastIndexOf("/") + 1)}`, from);
  return existsSync(fileURLToPath(here)) ? here : new URL(`../../dist/${path}`, from);
}

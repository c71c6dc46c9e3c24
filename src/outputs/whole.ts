import { rename, rm, writeFile } from "node:fs/promises";

/** Write a file whole: a temp file beside it, renamed into place (an existing file is untouched if writing fails). */
export async function writeWhole(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

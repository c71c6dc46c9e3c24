import { stat } from "node:fs/promises";

/** Files, directories (every PDF under them) and globs → PDF paths, in a stable order; `-` stays as stdin. */
export function expandPdfInputs(inputs: string[]): Promise<ExpandedInputs> {
  return expandInputs(inputs, "**/*.pdf");
}

export interface ExpandedInputs {
  paths: string[];
  unmatched: string[];
  /** Files reached a second time (through a link, or named twice), read once: each with the path read. */
  twice: { path: string; first: string }[];
  /** Symbolic links to folders under a folder input: not walked (a link can loop). */
  notFollowed: string[];
}

/**
 * Files, directories (every file under them matching `glob`) and globs → paths, in a stable order; `-` is stdin.
 * Folders are walked without following symbolic links to folders (a `self -> .` link made every file be read 41
 * times, a loop hung the run), and a file reached twice — the same device and inode by another name — is read once.
 */
export async function expandInputs(inputs: string[], glob: string): Promise<ExpandedInputs> {
  const paths: string[] = [];
  const unmatched: string[] = [];
  const notLinked: string[] = [];
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
      const base = input.replace(/\/+$/, "");
      const found = await filesUnder(fg, glob, base, notLinked);
      if (!found.length) unmatched.push(input);
      paths.push(...found);
    } else if ((await fastGlob()).isDynamicPattern(input)) {
      const fg = await fastGlob();
      const found = await filesUnder(fg, input, undefined, notLinked);
      if (!found.length) unmatched.push(input);
      paths.push(...found);
    } else unmatched.push(input);
  }
  // One read per file: the first name of each device + inode is kept.
  const ids = await Promise.all(paths.map((p) => (p === "-" || p.startsWith("s3://") ? undefined : stat(p).then((st) => `${st.dev}:${st.ino}`, () => undefined))));
  const seen = new Map<string, string>();
  const kept: string[] = [];
  const twice: { path: string; first: string }[] = [];
  paths.forEach((p, i) => {
    const id = ids[i] ?? `name:${p}`;
    const first = seen.get(id);
    if (first !== undefined) {
      if (first !== p) twice.push({ path: p, first });
      return;
    }
    seen.set(id, p);
    kept.push(p);
  });
  return { paths: kept, unmatched, twice, notFollowed: notLinked };
}

/**
 * The files a glob matches (under `cwd` when given), sorted, walking no symbolic link to a folder (one the glob
 * names is listed in `skipped`): a link to a file is taken, a link to a folder could loop.
 */
async function filesUnder(fg: typeof import("fast-glob"), glob: string, cwd: string | undefined, skipped: string[]): Promise<string[]> {
  const entries = await fg(glob, { ...(cwd !== undefined ? { cwd } : {}), caseSensitiveMatch: false, onlyFiles: false, followSymbolicLinks: false, objectMode: true });
  const out: string[] = [];
  for (const e of entries) {
    const path = cwd !== undefined ? `${cwd}/${e.path}` : e.path;
    if (e.dirent.isFile()) out.push(path);
    else if (e.dirent.isSymbolicLink()) {
      const st = await stat(path).catch(() => undefined);
      if (st?.isFile()) out.push(path);
      else if (st?.isDirectory()) skipped.push(path);
    }
  }
  return out.sort();
}

/** Notes on what an expansion read once or did not walk (links), for stderr. */
export function expansionNotes(e: ExpandedInputs): string[] {
  return [
    ...e.twice.map((t) => `${t.path} is the same file as ${t.first} (a link or a repeated name): read once`),
    ...e.notFollowed.map((l) => `${l} is a link to a folder: not walked (name the folder itself to read it)`),
  ];
}

/** `**\/*.pdf` → [".pdf"]; `**\/*.{txt,md}` → [".txt", ".md"]. */
function extensionsOf(glob: string): string[] {
  const m = /\*\.(?:\{([^}]+)\}|([^/{}*]+))$/.exec(glob);
  return m ? (m[1] ?? m[2]!).split(",").map((e) => "." + e.toLowerCase()) : [""];
}

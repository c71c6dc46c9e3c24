import { dataKind } from "../sources/open.js";

/** Split names and the words that mark a file as belonging to them (HF datasets' data-files conventions). */
export const SPLIT_KEYWORDS: Record<string, string[]> = {
  train: ["train", "training"],
  validation: ["validation", "valid", "dev", "val"],
  test: ["test", "testing", "eval", "evaluation"],
};

const SEP = /[-._ 0-9]+/;

function isDataFile(path: string): boolean {
  const parts = path.split("/");
  if (parts.some((p) => p.startsWith(".") || p.startsWith("__"))) return false;
  return dataKind(path) !== undefined;
}

/** The split a path belongs to by folder name or file-name word (`data/train-00000-of-00002.parquet` → train). */
export function splitOfPath(path: string, splits: Record<string, string[]> = SPLIT_KEYWORDS): string | undefined {
  const parts = path.toLowerCase().split("/");
  const file = parts.pop()!.replace(/\.gz$/, "").replace(/\.[a-z]+$/, "");
  // The file name wins over folders (HF: `**/{split}[-._ 0-9/]**` in the name, then `{split}/**`).
  for (const w of [...file.split(SEP).filter(Boolean), ...parts]) {
    for (const [split, keys] of Object.entries(splits)) if (keys.includes(w)) return split;
  }
  return undefined;
}

/**
 * The data files of one split, in shard order. When no file names any split, every data file is `train`
 * (as HF datasets does). A split name outside train/validation/test matches files carrying that name.
 */
export function selectSplitFiles(paths: string[], split: string): string[] {
  const keywords = { ...SPLIT_KEYWORDS, ...(SPLIT_KEYWORDS[split] ? {} : { [split]: [split.toLowerCase()] }) };
  const data = paths.filter(isDataFile).sort();
  const bySplit = data.map((p) => [p, splitOfPath(p, keywords)] as const);
  if (bySplit.every(([, s]) => s === undefined)) return split === "train" ? data : [];
  return bySplit.filter(([, s]) => s === split).map(([p]) => p);
}

/** Splits present among the paths, for error messages. */
export function availableSplits(paths: string[]): string[] {
  const data = paths.filter(isDataFile);
  const s = new Set(data.map((p) => splitOfPath(p) ?? "train"));
  return [...s].sort();
}

/** Parquet-branch files of `{config}/{split}/NNNN.parquet` (or `{config}/partial-{split}/`). */
export function selectParquetFiles(paths: string[], split: string, config?: string): { config: string; files: string[] } | undefined {
  const configs = [...new Set(paths.filter((p) => p.endsWith(".parquet")).map((p) => p.split("/")[0]!))].sort();
  const chosen = config ?? (configs.includes("default") ? "default" : configs[0]);
  if (!chosen) return undefined;
  const files = paths
    .filter((p) => p.endsWith(".parquet") && (p.startsWith(`${chosen}/${split}/`) || p.startsWith(`${chosen}/partial-${split}/`)))
    .sort();
  return files.length ? { config: chosen, files } : undefined;
}

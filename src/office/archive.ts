import yauzl from "yauzl";
import { PrepError } from "../record.js";

/**
 * Bounds on an office or e-book file's zip (a .docx, .pptx, .epub or .odt is a zip): a hostile file (a zip bomb, a
 * million entries, a size that lies) is refused with the bound it broke, before any library inflates it.
 */
export interface ArchiveLimits {
  /** Entries in the central directory. */
  maxEntries: number;
  /** All entries inflated together. */
  maxTotalBytes: number;
  /** One entry inflated. */
  maxEntryBytes: number;
  /** Inflated / compressed size of an entry above 1 MB (deflate reaches about 1,032:1 at most). */
  maxRatio: number;
}

export const ARCHIVE_LIMITS: ArchiveLimits = { maxEntries: 10_000, maxTotalBytes: 512 * 1024 ** 2, maxEntryBytes: 256 * 1024 ** 2, maxRatio: 200 };

const openZip = (path: string) =>
  new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(path, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (e, z) => (e ? reject(e) : resolve(z!))));

/**
 * The entries of a zip that `want` names, inflated, with every entry's sizes checked against `limits` (yauzl checks
 * that each inflates to the size its header claims). Other entries are not inflated; archives inside are never
 * opened (nesting is bounded at one level).
 */
export async function readArchive(path: string, want: (name: string) => boolean, limits: ArchiveLimits = ARCHIVE_LIMITS): Promise<Map<string, Buffer>> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (e) {
    throw new PrepError(`not a readable zip archive (${(e as Error).message}); the file is damaged or not this format`, 1, "archive");
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new PrepError(`${zip.entryCount.toLocaleString("en-US")} entries in the archive, over the bound of ${limits.maxEntries.toLocaleString("en-US")}: refused (a hostile or broken file)`, 1, "archive");
  }
  const out = new Map<string, Buffer>();
  let total = 0;
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      zip.close();
      reject(new PrepError(message, 1, "archive"));
    };
    zip.on("error", (e: Error) => fail(`the archive cannot be read: ${e.message}`));
    zip.on("end", () => resolve(out));
    zip.on("entry", (entry: yauzl.Entry) => {
      const size = entry.uncompressedSize;
      total += size;
      if (size > limits.maxEntryBytes) return fail(`${entry.fileName} inflates to ${size.toLocaleString("en-US")} bytes, over the bound of ${limits.maxEntryBytes.toLocaleString("en-US")}: refused`);
      if (total > limits.maxTotalBytes) return fail(`the archive inflates to more than ${limits.maxTotalBytes.toLocaleString("en-US")} bytes: refused (a zip bomb?)`);
      if (size > 1024 ** 2 && size / Math.max(1, entry.compressedSize) > limits.maxRatio) return fail(`${entry.fileName} inflates ${Math.round(size / Math.max(1, entry.compressedSize))}:1, over the bound of ${limits.maxRatio}:1: refused (a zip bomb?)`);
      if (entry.fileName.endsWith("/") || !want(entry.fileName)) return zip.readEntry();
      zip.openReadStream(entry, (e, stream) => {
        if (e || !stream) return fail(`${entry.fileName}: ${e?.message ?? "cannot be read"}`);
        const parts: Buffer[] = [];
        stream.on("data", (c: Buffer) => parts.push(c));
        stream.on("error", (err: Error) => fail(`${entry.fileName}: ${err.message}`));
        stream.on("end", () => {
          out.set(entry.fileName, Buffer.concat(parts));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
}

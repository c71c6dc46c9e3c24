import { inflateSync } from "node:zlib";

/** The default bound on one content stream's decoded size. */
export const DEFAULT_MAX_STREAM_BYTES = 256 * 1024 * 1024;

const STREAM = Buffer.from("stream");
/** zlib's maximum compression ratio (its FAQ: 1032:1), plus a margin. */
const MAX_DEFLATE_RATIO = 1040;
const ENDSTREAM = Buffer.from("endstream");

/**
 * The first Flate-compressed stream of a PDF, other than an image, that inflates to more than `limit` bytes — a
 * decompression bomb: a few MB of file that pdf.js would inflate (in one synchronous run, so not even a signal gets
 * through) to gigabytes of operators. Each stream is inflated with output capped just past the limit, so this costs
 * at most one capped inflate per stream. Images are not judged (a large scan is legitimately big); encrypted or
 * damaged streams are left to pdf.js.
 */
export function oversizedStream(pdf: Uint8Array, limit = DEFAULT_MAX_STREAM_BYTES): { object?: string; offset: number } | undefined {
  const buf = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  let at = 0;
  for (;;) {
    const s = buf.indexOf(STREAM, at);
    if (s === -1) return undefined;
    at = s + STREAM.length;
    if (s >= 3 && buf[s - 3] === 0x65 && buf[s - 2] === 0x6e && buf[s - 1] === 0x64) continue; // "endstream"
    let start = at;
    if (buf[start] === 13) start++;
    if (buf[start] === 10) start++;
    const end = buf.indexOf(ENDSTREAM, start);
    if (end === -1) return undefined;
    // Deflate cannot expand data more than 1032:1 (zlib's bound), so a stream this short cannot inflate past the
    // limit in one pass: skipped without looking (nearly every stream of a real document; the check then costs
    // almost nothing beside pdftotext's or pdf.js's own inflating).
    if ((end - start) * MAX_DEFLATE_RATIO < limit) {
      at = end + ENDSTREAM.length;
      continue;
    }
    // The stream's dictionary: back to the object header (bounded look-back).
    const head = buf.toString("latin1", Math.max(0, s - 4096), s);
    const objAt = head.lastIndexOf(" obj");
    const dict = objAt === -1 ? head : head.slice(objAt);
    if (!/\/FlateDecode\b/.test(dict) || /\/Subtype\s*\/Image\b/.test(dict)) continue;
    at = end + ENDSTREAM.length;
    try {
      inflateSync(buf.subarray(start, end), { maxOutputLength: limit, finishFlush: 2 /* Z_SYNC_FLUSH: tolerate a cut-off end */ });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
        const m = /(\d+)\s+(\d+)\s+obj\b/.exec(head.slice(Math.max(0, objAt - 24)));
        return { object: m ? `${m[1]} ${m[2]} R` : undefined, offset: s };
      }
      // Not inflatable here (encrypted, damaged): pdf.js decides.
    }
  }
}

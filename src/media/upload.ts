import { createReadStream, statSync } from "node:fs";
import { dirname, extname, isAbsolute, resolve } from "node:path";
import { sha256Of } from "../outputs/digest.js";
import { finding, PrepError, type Draft, type Finding, type MediaRef, type Origin } from "../record.js";
import { uploadVerified } from "../s3/upload.js";
import { MEDIA_FILES } from "../formats/media-types.js";

/** Per media file, at most (AWS's Nova validator: MAX_IMAGE_SIZE, MAX_VIDEO_SIZE, MAX_DOCUMENT_SIZE). */
export const MEDIA_MAX_BYTES: Record<MediaRef["kind"], number> = { image: 10 * 1024 ** 2, video: 50 * 1024 ** 2, document: 10 * 1024 ** 2 };
export const MEDIA_SIZE_SOURCE = "aws-samples/amazon-nova-samples nova_ft_dataset_validator.py (10 MB images and documents, 50 MB videos)";

/**
 * Local media files named by a record (--image, --video, --document) uploaded under a prefix, the record then naming
 * the object. Keys are content-addressed (`PREFIX<sha256>.<ext>`): the same file is uploaded once however many
 * records name it, and a run again uploads nothing (an object already there is read back and its hash verified, as
 * `upload` does). A relative path is read from the input file's folder (as the dataset's own paths mean), else the
 * working directory.
 */
export class MediaUploader {
  private readonly done = new Map<string, Promise<string | Finding>>();
  uploaded = 0;
  reused = 0;

  constructor(
    private readonly prefix: string | undefined,
    private readonly onNote?: (message: string) => void,
  ) {
    if (prefix !== undefined && !/^s3:\/\/[^/]+\/(.*\/)?$/.test(prefix)) throw new PrepError(`--media-prefix ${prefix}: an s3://bucket/prefix/ ending in /`, 2);
  }

  /** The draft with its local media uploaded and named by URI, or a finding for the first file that cannot be. */
  async resolve(d: Draft): Promise<Draft | Finding> {
    if (d.kind !== "chat" || !d.media?.some((m) => !m.ref.startsWith("s3://"))) return d;
    const media: MediaRef[] = [];
    for (const m of d.media) {
      if (m.ref.startsWith("s3://")) {
        media.push(m);
        continue;
      }
      if (this.prefix === undefined) return finding("media", `${m.kind} ${m.ref}: a local file; give --media-prefix s3://bucket/prefix/ to upload it (Bedrock reads media from S3)`, d.origin);
      const path = isAbsolute(m.ref) ? m.ref : resolve(d.origin.source && !d.origin.source.startsWith("s3://") && d.origin.source !== "-" ? dirname(d.origin.source) : ".", m.ref);
      let p = this.done.get(path);
      if (!p) {
        p = this.upload(m.kind, path, m.ref, d.origin);
        this.done.set(path, p);
      }
      const uri = await p;
      if (typeof uri !== "string") return { ...uri, origin: d.origin };
      media.push({ kind: m.kind, ref: uri });
    }
    return { ...d, media };
  }

  private async upload(kind: MediaRef["kind"], path: string, given: string, origin: Origin): Promise<string | Finding> {
    const ext = extname(path).slice(1).toLowerCase();
    const type = MEDIA_FILES[kind][ext];
    if (!type) return finding("media", `${kind} ${given}: expected a ${Object.keys(MEDIA_FILES[kind]).map((e) => "." + e).join(", ")} file`, origin);
    let bytes: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) return finding("media", `${kind} ${given}: not a file`, origin);
      bytes = st.size;
    } catch (e) {
      return finding("media", `${kind} ${given}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? `no such file (${path})` : (e as Error).message}`, origin);
    }
    if (bytes > MEDIA_MAX_BYTES[kind]) return finding("media-size", `${kind} ${given} is ${(bytes / 1024 ** 2).toFixed(1)} MiB; a ${kind} may be at most ${MEDIA_MAX_BYTES[kind] / 1024 ** 2} MiB [${MEDIA_SIZE_SOURCE}]`, origin);
    const sha256 = await sha256Of(createReadStream(path));
    const uri = `${this.prefix}${sha256}.${ext === "jpeg" ? "jpg" : ext}`;
    const r = await uploadVerified(path, uri, { sha256, bytes }, { onNote: (m) => this.onNote?.(m) }, type.mime[0]);
    if (r.uploaded) this.uploaded++;
    else this.reused++;
    return uri;
  }
}

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sha256Of } from "../outputs/digest.js";
import { PrepError } from "../record.js";
import { deleteObject, headObject, readObject, uploadStream } from "./s3.js";


const n = (x: number) => x.toLocaleString("en-US");

export interface UploadHooks {
  onStart?: () => void;
  onBytes?: (done: number) => void;
  onEnd?: () => void;
  onNote?: (message: string) => void;
}

/**
 * Upload `local` to `uri` only as the bytes `expected` describes (the SHA-256 and size of the read that was
 * validated), and prove what S3 stores:
 * - an object already there with the same size and `sha256` metadata is read back and hashed; only then is it kept
 *   (metadata alone proves nothing: an earlier upload may have stored other bytes);
 * - the bytes sent are hashed as they stream; when they are not the expected ones (the file changed after it was
 *   validated), the stream fails before its end, so the upload is never completed and nothing appears under the key;
 * - the stored object is read back and hashed; a mismatch deletes it.
 */
export async function uploadVerified(local: string, uri: string, expected: { sha256: string; bytes: number }, hooks: UploadHooks = {}, contentType?: string): Promise<{ uploaded: boolean }> {
  const { sha256, bytes } = expected;
  const there = await headObject(uri);
  if (there && there.size === bytes && there.metadata.sha256 === sha256) {
    if ((await sha256Of(await readObject(uri))) === sha256) {
      hooks.onNote?.(`${uri}: identical object already there (sha256 ${sha256.slice(0, 12)}… read back and verified), not uploaded again`);
      return { uploaded: false };
    }
    hooks.onNote?.(`${uri}: the object there claims sha256 ${sha256.slice(0, 12)}… but its bytes differ; uploading again`);
  }
  const up = await uploadStream(uri, { sha256 }, contentType);
  hooks.onStart?.();
  let done = 0;
  try {
    const h = createHash("sha256");
    const check = new Transform({
      transform(c: Buffer, _e: BufferEncoding, cb: (e?: Error | null, d?: Buffer) => void) {
        h.update(c);
        done += c.length;
        hooks.onBytes?.(done);
        cb(null, c);
      },
      flush(cb: (e?: Error | null) => void) {
        const got = h.digest("hex");
        cb(got === sha256 && done === bytes ? null : new PrepError(`${local} changed after it was validated (now sha256 ${got.slice(0, 12)}…, ${n(done)} bytes; validated ${sha256.slice(0, 12)}…, ${n(bytes)} bytes): nothing uploaded; run upload again`, 3));
      },
    });
    await pipeline(createReadStream(local, { highWaterMark: 1 << 20 }), check, up.body);
    await up.done;
  } catch (e) {
    await up.abort();
    throw e;
  } finally {
    hooks.onEnd?.();
  }
  const back = await sha256Of(await readObject(uri));
  if (back !== sha256) {
    await deleteObject(uri).catch(() => undefined);
    throw new PrepError(`${uri}: the stored object's sha256 ${back.slice(0, 12)}… differs from the validated file's ${sha256.slice(0, 12)}…; the object was deleted`, 3);
  }
  hooks.onNote?.(`${uri}: ${n(bytes)} bytes uploaded, sha256 verified (read back)`);
  return { uploaded: true };
}

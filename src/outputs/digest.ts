import { createHash } from "node:crypto";

/** The SHA-256 (hex) of a byte stream: a file, an S3 object read back. */
export async function sha256Of(stream: AsyncIterable<unknown>): Promise<string> {
  const h = createHash("sha256");
  for await (const c of stream) h.update(c as Buffer);
  return h.digest("hex");
}

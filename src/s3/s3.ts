import { PassThrough, type Readable } from "node:stream";
import { DURATION_HELP, formatDuration, parseDuration } from "../duration.js";
import { PrepError } from "../record.js";

type S3Mod = typeof import("@aws-sdk/client-s3");
type S3Client = import("@aws-sdk/client-s3").S3Client;

/** `s3://bucket/key` → its parts; a trailing `/` is a prefix. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m || !m[1]) throw new PrepError(`${uri}: not an s3://bucket/key URI`, 2);
  return { bucket: m[1], key: m[2]! };
}

export const isS3 = (p: string) => p.startsWith("s3://");

let mod: Promise<S3Mod> | undefined;
let client: S3Client | undefined;

/**
 * The S3 client every s3:// path uses: region, credentials, profile and endpoint from the standard AWS variables and
 * files (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL_S3`); path-style addressing with `PREP_DATA_S3_PATH_STYLE=1`
 * (`--s3-path-style`) for S3-compatible stores. Checksums only where required: the SDK's default streamed CRC32
 * trailers are stored corrupted by some S3-compatible stores.
 */
export async function s3(): Promise<{ m: S3Mod; c: S3Client }> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const m = await (mod ??= import("@aws-sdk/client-s3"));
  if (!client) {
    const idle = s3TimeoutMs();
    const { NodeHttpHandler } = await import("@smithy/node-http-handler");
    client = new m.S3Client({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    // A request that moves no byte either way for this long fails (retried by the SDK, then the run's error): a part
    // never answered held an upload until it was killed.
    requestHandler: new NodeHttpHandler({ socketTimeout: idle }),
    forcePathStyle: /^(1|true|yes)$/i.test(process.env.PREP_DATA_S3_PATH_STYLE ?? ""),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  }
  return { m, c: client };
}

/** The idle bound on each S3 request: `PREP_DATA_S3_TIMEOUT` (seconds or 30s/5m), default 120 s. */
export function s3TimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.PREP_DATA_S3_TIMEOUT;
  if (v === undefined || v === "") return 120_000;
  const s = parseDuration(v);
  if (s === undefined) throw new PrepError(`PREP_DATA_S3_TIMEOUT=${v}: ${DURATION_HELP}`, 2);
  return Math.round(s * 1000);
}

/** One line a user can act on for an S3 failure: no such bucket or key, access denied, credentials. */
export function s3Error(uri: string, e: unknown, what = "read"): PrepError {
  if (e instanceof PrepError) return e;
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const name = err.name ?? "";
  if (name === "NoSuchBucket") return new PrepError(`${uri}: the bucket does not exist`, 3);
  if (name === "TimeoutError") return new PrepError(`${uri}: cannot ${what}: no answer within ${formatDuration(s3TimeoutMs())} (PREP_DATA_S3_TIMEOUT), after the SDK's retries`, 3);
  if (name === "NoSuchKey" || name === "NotFound" || status === 404) return new PrepError(`${uri}: no such object`);
  if (status === 403 || /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|Credentials/i.test(name + (err.message ?? ""))) {
    return new PrepError(`${uri}: access denied (${name || status}); check the AWS credentials, profile and region`, 3);
  }
  return new PrepError(`${uri}: cannot ${what}: ${name ? `${name}: ` : ""}${(err.message ?? String(e)).split("\n")[0]}`, 3);
}

/** The object's size and metadata, or undefined when it does not exist. */
export async function headObject(uri: string): Promise<{ size: number; metadata: Record<string, string>; etag?: string; contentType?: string } | undefined> {
  const { bucket, key } = parseS3Uri(uri);
  const { m, c } = await s3();
  try {
    const r = await c.send(new m.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: Number(r.ContentLength ?? 0), metadata: r.Metadata ?? {}, etag: r.ETag, ...(r.ContentType ? { contentType: r.ContentType } : {}) };
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (err.name === "NotFound" || err.name === "NoSuchKey" || err.$metadata?.httpStatusCode === 404) {
      // A HEAD's 404 has no body to say which is missing, the object or its bucket: ask the bucket.
      if (!(await bucketExists(bucket))) throw new PrepError(`${uri}: the bucket does not exist`, 3);
      return undefined;
    }
    throw s3Error(uri, e);
  }
}

/** Whether the bucket exists (true when that cannot be told: access denied, for one). */
export async function bucketExists(bucket: string): Promise<boolean> {
  const { m, c } = await s3();
  try {
    await c.send(new m.HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    return !(err.name === "NotFound" || err.name === "NoSuchBucket" || err.$metadata?.httpStatusCode === 404);
  }
}

/** Remove an object (one whose stored bytes turned out not to be the ones meant). */
export async function deleteObject(uri: string): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  const { m, c } = await s3();
  try {
    await c.send(new m.DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (e) {
    throw s3Error(uri, e, "write");
  }
}

/** The object as a byte stream (no temp copy), or a byte range of it. */
export async function readObject(uri: string, range?: [number, number]): Promise<Readable> {
  const { bucket, key } = parseS3Uri(uri);
  const { m, c } = await s3();
  try {
    const r = await c.send(new m.GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: `bytes=${range[0]}-${range[1] - 1}` } : {}) }));
    return r.Body as Readable;
  } catch (e) {
    throw s3Error(uri, e);
  }
}

/**
 * A streamed upload with `@aws-sdk/lib-storage` (multipart past 5 MiB, parts retried by the SDK): nothing appears
 * under the key until the upload completes; `abort()` aborts the multipart upload.
 */
export async function uploadStream(uri: string, metadata: Record<string, string> = {}, contentType = "application/jsonl"): Promise<{ body: PassThrough; done: Promise<void>; abort: () => Promise<void> }> {
  const { bucket, key } = parseS3Uri(uri);
  if (!key || key.endsWith("/")) throw new PrepError(`${uri}: an object key is needed, not a bucket or prefix`, 2);
  const { m, c } = await s3();
  const { Upload } = await import("@aws-sdk/lib-storage");
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  const up = new Upload({ client: c, params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType, Metadata: metadata }, queueSize: 2, partSize: 8 * 1024 * 1024, leavePartsOnError: false });
  const done = up.done().then(
    () => undefined,
    (e) => {
      throw s3Error(uri, e, "write");
    },
  );
  done.catch(() => undefined);
  return {
    body,
    done,
    abort: async () => {
      body.destroy();
      await up.abort().catch(() => undefined);
      // Upload.abort() only signals; its own AbortMultipartUpload comes later, after in-flight parts settle, and a
      // process ending on Ctrl-C never sends it. So send it here, once the upload id is known (bounded: 10 s).
      const created = (up as unknown as { createMultiPartPromise?: Promise<{ UploadId?: string }> }).createMultiPartPromise;
      const send = async () => {
        const id = (await created?.catch(() => undefined))?.UploadId;
        if (id) await c.send(new m.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id })).catch(() => undefined);
      };
      await Promise.race([send(), new Promise((r) => setTimeout(r, 10_000).unref())]);
    },
  };
}

/** Keys under an `s3://bucket/prefix`, matching a simple `*` glob in the last segment when one is given. */
export async function listObjects(uri: string): Promise<string[]> {
  const { bucket, key } = parseS3Uri(uri);
  const star = key.indexOf("*");
  const prefix = star === -1 ? key : key.slice(0, star);
  const re = star === -1 ? undefined : new RegExp("^" + key.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*") + "$");
  const { m, c } = await s3();
  const out: string[] = [];
  const sizes = new Map<string, number>();
  let token: string | undefined;
  try {
    do {
      const r = await c.send(new m.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) if (o.Key && (!re || re.test(o.Key))) out.push(`s3://${bucket}/${o.Key}`), sizes.set(`s3://${bucket}/${o.Key}`, Number(o.Size ?? 0));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  } catch (e) {
    throw s3Error(uri, e, "list");
  }
  out.sort();
  const { listed } = await import("./read-ahead.js");
  listed(out, out.map((u) => sizes.get(u)!));
  return out;
}

/**
 * The object's bytes as a stream: fetched ahead when it was listed and the one before it was read (see
 * read-ahead.ts), else read now; a missing object or bucket is the error readers report.
 */
export async function openObject(uri: string): Promise<Readable> {
  const { takeAhead } = await import("./read-ahead.js");
  const got = await takeAhead(uri, (u) => readObject(u));
  if (got) {
    const { Readable } = await import("node:stream");
    return Readable.from([got]);
  }
  if (!(await headObject(uri))) throw new PrepError(`${uri}: no such object`);
  return readObject(uri);
}

/** An S3 object as hyparquet's AsyncBuffer: ranged GETs, so a Parquet file is read a row group at a time. */
export async function s3AsyncBuffer(uri: string): Promise<{ byteLength: number; slice: (start: number, end?: number) => Promise<ArrayBuffer> }> {
  const head = await headObject(uri);
  if (!head) throw new PrepError(`${uri}: no such object`);
  return {
    byteLength: head.size,
    slice: async (start, end) => {
      const parts: Buffer[] = [];
      for await (const c of await readObject(uri, [start, end ?? head.size])) parts.push(c as Buffer);
      const b = Buffer.concat(parts);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
  };
}

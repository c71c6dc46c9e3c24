import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { finding, PrepError, type Finding, type MediaRef } from "../record.js";
import { headObject, openObject, parseS3Uri } from "../s3/s3.js";
import { MEDIA_MAX_BYTES, MEDIA_SIZE_SOURCE } from "./upload.js";
import { mimeOf } from "../formats/media-types.js";

const SAME_BUCKET = "https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html (images and videos must be in the dataset's S3 bucket)";

interface Use {
  kind: MediaRef["kind"];
  format: string;
  line: number;
}

/** The media blocks of a record's messages (conversation and preference records). */
function* mediaOf(v: unknown): Generator<{ kind: MediaRef["kind"]; format: string; uri: string }> {
  const messages = (v as { messages?: unknown })?.messages;
  if (!Array.isArray(messages)) return;
  for (const m of messages) {
    const content = (m as { content?: unknown })?.content;
    if (!Array.isArray(content)) continue;
    for (const b of content as Record<string, { format?: unknown; source?: { s3Location?: { uri?: unknown } } }>[]) {
      for (const kind of ["image", "video", "document"] as const) {
        const x = b?.[kind];
        const uri = x?.source?.s3Location?.uri;
        if (typeof uri === "string") yield { kind, format: String(x!.format ?? ""), uri };
      }
    }
  }
}

/**
 * `validate --check-media`: every media object the records name is asked for (HEAD, 8 at a time, each once): it must
 * exist, be within its kind's size, have a content type that fits its block's format (when S3 has one), and be in the
 * dataset's bucket when the dataset is in S3 (a local dataset: its media should share one bucket — the one it will be
 * uploaded to). Each finding names the first line that uses the object.
 */
export async function mediaFindings(path: string, opts: { concurrency?: number } = {}): Promise<{ findings: Finding[]; objects: number }> {
  const uses = new Map<string, Use>();
  const input: Readable = path.startsWith("s3://") ? await openObject(path) : createReadStream(path);
  let line = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++;
    if (!text.includes("s3Location")) continue;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      continue; // a syntax error is validate's own finding
    }
    for (const m of mediaOf(v)) if (!uses.has(m.uri)) uses.set(m.uri, { kind: m.kind, format: m.format, line });
  }
  const findings: Finding[] = [];
  const datasetBucket = path.startsWith("s3://") ? parseS3Uri(path).bucket : undefined;
  const buckets = new Map<string, string>();
  const list = [...uses];
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const [uri, use] = list[next++]!;
      const origin = { source: path, line: use.line };
      let bucket: string;
      try {
        bucket = parseS3Uri(uri).bucket;
      } catch {
        findings.push(finding("media-missing", `${uri}: not an s3://bucket/key URI`, origin));
        continue;
      }
      if (!buckets.has(bucket)) buckets.set(bucket, uri);
      if (datasetBucket && bucket !== datasetBucket) findings.push(finding("media-bucket", `${uri} is in bucket ${bucket}, not the dataset's (${datasetBucket}) [${SAME_BUCKET}]`, origin));
      let head;
      try {
        head = await headObject(uri);
      } catch (e) {
        if (e instanceof PrepError && /bucket does not exist/.test(e.message)) {
          findings.push(finding("media-missing", `${uri}: the bucket does not exist`, origin));
          continue;
        }
        throw e;
      }
      if (!head) {
        findings.push(finding("media-missing", `${uri}: no such object (the ${use.kind} this record names)`, origin));
        continue;
      }
      if (head.size > MEDIA_MAX_BYTES[use.kind]) findings.push(finding("media-size", `${uri} is ${(head.size / 1024 ** 2).toFixed(1)} MiB; a ${use.kind} may be at most ${MEDIA_MAX_BYTES[use.kind] / 1024 ** 2} MiB [${MEDIA_SIZE_SOURCE}]`, origin));
      const want = mimeOf(use.kind, use.format);
      const type = head.contentType?.split(";")[0]!.trim().toLowerCase();
      if (want && type && type !== "application/octet-stream" && type !== "binary/octet-stream" && !want.includes(type)) findings.push(finding("media-type", `${uri} is stored as ${type}, but the record says ${use.kind} format ${use.format}`, origin, "warning"));
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, list.length) }, worker));
  if (!datasetBucket && buckets.size > 1) {
    const [first, second] = [...buckets.values()];
    findings.push(finding("media-bucket", `the records name media in ${buckets.size} buckets (${first} and ${second}, …); Bedrock reads them only from the dataset's own bucket [${SAME_BUCKET}]`, { source: path }, "warning"));
  }
  findings.sort((a, b) => (a.origin.line ?? Infinity) - (b.origin.line ?? Infinity));
  return { findings, objects: list.length };
}

import { PrepError } from "../record.js";

/** The shapes the Hub uses for the values that become cache path segments. */
export const COMMIT_SHA = /^[0-9a-f]{40}$/;
/** Git blob SHA-1 (normal files) or SHA-256 (LFS and Xet files). */
export const BLOB_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface RetryPolicy {
  /** Retries after the first attempt (default 4). */
  retries: number;
  /** First backoff in ms, doubled each time with ±25 % jitter (default 500). */
  baseMs: number;
}

/** From `PREP_DATA_HUB_RETRIES` / `PREP_DATA_HUB_BACKOFF_MS`, else the defaults. */
export function retryPolicy(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const n = (v: string | undefined, d: number) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : d);
  return { retries: n(env.PREP_DATA_HUB_RETRIES, 4), baseMs: n(env.PREP_DATA_HUB_BACKOFF_MS, 500) };
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

export function isNetworkError(e: unknown): boolean {
  const err = e as { cause?: { code?: string }; message?: string };
  return e instanceof TypeError && (err.message === "fetch failed" || !!err.cause?.code);
}

/** A connection dropped or timed out mid-way (worth another try), not one refused or a name not found. */
export function isDroppedConnection(e: unknown): boolean {
  const code = (e as { cause?: { code?: string } }).cause?.code;
  return isNetworkError(e) && ["ECONNRESET", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "EAI_AGAIN"].includes(code ?? "");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function backoff(policy: RetryPolicy, attempt: number): number {
  return policy.baseMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
}

/** Run `f` again after a backoff when it fails with a dropped connection (or what `retryable` says). */
export async function withRetries<T>(policy: RetryPolicy, f: () => Promise<T>, retryable: (e: unknown) => boolean = isDroppedConnection): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (attempt >= policy.retries || !retryable(e)) throw e;
      await sleep(backoff(policy, attempt));
    }
  }
}

function refuse(endpoint: string, what: string, value: unknown): never {
  const shown = typeof value === "string" ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value) : String(value);
  throw new PrepError(`the Hub endpoint ${endpoint} returned ${what} ${shown}, which is not the hex digest the Hub uses; refusing to use it as a cache path`);
}

/** Check the ids in an API response that end up in cache paths: commit shas, blob ids. */
function checkIds(endpoint: string, url: string, body: unknown): void {
  if (/\/api\/[a-z]+s\/[^/]+\/[^/]+\/revision\//.test(url)) {
    const sha = (body as { sha?: unknown })?.sha;
    if (sha !== undefined && (typeof sha !== "string" || !COMMIT_SHA.test(sha))) refuse(endpoint, "the commit", sha);
  }
  if (/\/(paths-info|tree)\//.test(url) && Array.isArray(body)) {
    for (const e of body as { type?: string; oid?: unknown; lfs?: { oid?: unknown }; xetHash?: unknown; lastCommit?: { id?: unknown } }[]) {
      if (e.type === "directory") continue;
      if (e.oid !== undefined && (typeof e.oid !== "string" || !BLOB_ID.test(e.oid))) refuse(endpoint, "the blob id", e.oid);
      if (e.lfs?.oid !== undefined && (typeof e.lfs.oid !== "string" || !BLOB_ID.test(e.lfs.oid))) refuse(endpoint, "the LFS blob id", e.lfs.oid);
      if (e.xetHash !== undefined && (typeof e.xetHash !== "string" || !BLOB_ID.test(e.xetHash))) refuse(endpoint, "the Xet hash", e.xetHash);
      if (e.lastCommit?.id !== undefined && (typeof e.lastCommit.id !== "string" || !COMMIT_SHA.test(e.lastCommit.id))) refuse(endpoint, "the commit", e.lastCommit.id);
    }
  }
}

/**
 * The fetch that prep-data hands to @huggingface/hub: retries 429/5xx answers and dropped connections with
 * exponential backoff, and refuses responses whose commit shas, blob ids or ETags are not hex digests — those
 * values become cache path segments, and `"../../x"` from a misbehaving endpoint must not.
 */
export function hubFetch(endpoint: string, policy: RetryPolicy = retryPolicy(), onBody?: (done: number, total: number | undefined) => void): typeof fetch {
  const f = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(input, init);
      } catch (e) {
        if (attempt < policy.retries && isDroppedConnection(e)) {
          await sleep(backoff(policy, attempt));
          continue;
        }
        throw e;
      }
      if (RETRY_STATUS.has(res.status) && attempt < policy.retries) {
        await res.body?.cancel().catch(() => undefined);
        const after = Number(res.headers.get("retry-after"));
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 30_000) : backoff(policy, attempt));
        continue;
      }
      if (res.ok) {
        for (const h of ["x-linked-etag", "etag"]) {
          const v = res.headers.get(h);
          if (v !== null && /\/(resolve|raw)\//.test(url)) {
            const id = v.replace(/^W\//, "").replace(/"/g, "");
            if (!BLOB_ID.test(id)) refuse(endpoint, `the ${h === "etag" ? "ETag" : "X-Linked-ETag"}`, v);
          }
        }
        const commit = res.headers.get("x-repo-commit");
        if (commit !== null && !COMMIT_SHA.test(commit)) refuse(endpoint, "the X-Repo-Commit", commit);
        if (/\/api\//.test(url) && (res.headers.get("content-type") ?? "").includes("json")) {
          const text = await res.text();
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          checkIds(endpoint, url, body);
          return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
        }
        // A file download (not the one-byte probe): count its bytes as they arrive.
        if (onBody && res.body && /\/(resolve|raw)\//.test(url) && res.status === 200 && init?.method !== "HEAD") {
          const length = Number(res.headers.get("content-length"));
          const total = Number.isFinite(length) && length > 0 ? length : undefined;
          let done = 0;
          const counted = res.body.pipeThrough(
            new TransformStream<Uint8Array, Uint8Array>({
              transform(chunk, ctl) {
                done += chunk.byteLength;
                onBody(done, total);
                ctl.enqueue(chunk);
              },
            }),
          );
          return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
        }
      }
      return res;
    }
  };
  return f as typeof fetch;
}

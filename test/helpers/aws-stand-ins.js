// Local stand-ins for AWS on 127.0.0.1, driven by the real SDK clients: S3 through s3rver, and Bedrock's control
// plane (CreateModelCustomizationJob, GetModelCustomizationJob) through a small server that checks request shapes
// and moves jobs through InProgress → Completed (or Failed).
import { createServer, request } from "node:http";
import S3rver from "s3rver";

/** @param {{ directory: string, buckets?: string[] }} opts */
export async function startS3(opts) {
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: opts.directory, configureBuckets: (opts.buckets ?? ["bucket"]).map((name) => ({ name })) });
  const { port } = await server.run();
  return {
    url: `http://127.0.0.1:${port}`,
    env: { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, PREP_DATA_S3_PATH_STYLE: "1", AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" },
    close: () => server.close(),
  };
}

/**
 * A front for s3rver that injects faults, for what s3rver cannot show: it forwards every request, except that it
 * answers UploadPart number `failPart` once with a 500 InternalError (the SDK must retry it), never answers the parts
 * after the first `stallAfterParts` (an upload caught mid-way), and answers AbortMultipartUpload itself (s3rver
 * says 405), recording the upload id.
 * With `latencyMs`, every request waits that long first, and `log.maxGets` records the most GETs in flight at once.
 * With `stallAbort`, AbortMultipartUpload is never answered either (a clean-up that hangs).
 * @param {{ target: string, failPart?: number, stallAfterParts?: number, latencyMs?: number, stallAbort?: boolean }} opts
 */
export async function startS3Faults(opts) {
  const target = new URL(opts.target);
  const log = { parts: [], failed: [], aborted: [], completed: 0, gets: 0, maxGets: 0 };
  const stalled = [];
  let getsNow = 0;
  const server = createServer(async (req, res) => {
    if (req.method === "GET" && !new URL(req.url ?? "/", "http://x").searchParams.has("list-type")) {
      log.gets++;
      log.maxGets = Math.max(log.maxGets, ++getsNow);
      res.on("close", () => getsNow--);
    }
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    const drain = (then) => {
      req.resume();
      req.on("end", then);
    };
    if (req.method === "DELETE" && q.has("uploadId")) {
      if (opts.stallAbort) return drain(() => stalled.push(res));
      return drain(() => {
        log.aborted.push(q.get("uploadId"));
        res.writeHead(204);
        res.end();
      });
    }
    if (req.method === "POST" && q.has("uploadId")) log.completed++;
    if (req.method === "PUT" && q.has("partNumber")) {
      const n = Number(q.get("partNumber"));
      log.parts.push(n);
      if (n === opts.failPart && !log.failed.includes(n)) {
        return drain(() => {
          log.failed.push(n);
          res.writeHead(500, { "Content-Type": "application/xml" });
          res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>');
        });
      }
      if (opts.stallAfterParts !== undefined && log.parts.length > opts.stallAfterParts) return drain(() => stalled.push(res));
    }
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", (e) => {
      if (res.headersSent || res.destroyed) return res.destroy();
      res.writeHead(502);
      res.end(String(e));
    });
    // A client gone mid-request (a run killed mid-part): the forwarded request goes too, or it stays open on
    // s3rver and its close() waits for ever.
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () => new Promise((r) => (server.closeAllConnections?.(), server.close(() => r(undefined)))),
  };
}

/**
 * @param {{ pollsToFinish?: number, fail?: string }} [opts] jobs finish after this many status reads (default 2);
 *   with `fail`, they end Failed with that message.
 */
export async function startBedrockControl(opts = {}) {
  const jobs = new Map();
  const requests = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const url = req.url ?? "/";
      requests.push({ method: req.method, url, body: body ? JSON.parse(body) : undefined, auth: req.headers.authorization });
      const json = (status, obj, type) => {
        res.writeHead(status, { "Content-Type": "application/json", ...(type ? { "x-amzn-ErrorType": type } : {}) });
        res.end(JSON.stringify(obj));
      };
      if (!String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256")) return json(403, { message: "Missing Authentication Token" }, "UnrecognizedClientException");
      if (req.method === "POST" && url === "/model-customization-jobs") {
        const b = JSON.parse(body || "{}");
        for (const k of ["jobName", "customModelName", "roleArn", "baseModelIdentifier", "trainingDataConfig", "outputDataConfig"]) {
          if (b[k] === undefined) return json(400, { message: `1 validation error detected: Value null at '${k}' failed to satisfy constraint: Member must not be null` }, "ValidationException");
        }
        if (Object.values(b.hyperParameters ?? {}).some((v) => typeof v !== "string")) return json(400, { message: "hyperParameters values must be strings" }, "ValidationException");
        if ([...jobs.values()].some((j) => j.jobName === b.jobName)) return json(400, { message: `A job with name ${b.jobName} already exists` }, "ValidationException");
        const arn = `arn:aws:bedrock:us-east-1:123456789012:model-customization-job/${b.baseModelIdentifier}/${Math.random().toString(36).slice(2, 14)}`;
        jobs.set(arn, { ...b, jobArn: arn, polls: 0 });
        return json(201, { jobArn: arn });
      }
      const m = /^\/model-customization-jobs\/(.+)$/.exec(url);
      if (req.method === "GET" && m) {
        const id = decodeURIComponent(m[1]);
        const j = jobs.get(id) ?? [...jobs.values()].find((x) => x.jobName === id);
        if (!j) return json(404, { message: `Could not find job ${id}` }, "ResourceNotFoundException");
        j.polls++;
        const done = j.polls > (opts.pollsToFinish ?? 2);
        const status = done ? (opts.fail ? "Failed" : "Completed") : "InProgress";
        return json(200, {
          jobArn: j.jobArn,
          jobName: j.jobName,
          status,
          ...(done && opts.fail ? { failureMessage: opts.fail } : {}),
          baseModelArn: `arn:aws:bedrock:us-east-1::foundation-model/${j.baseModelIdentifier}`,
          ...(done && !opts.fail ? { outputModelArn: `arn:aws:bedrock:us-east-1:123456789012:custom-model/${j.customModelName}` } : {}),
          roleArn: j.roleArn,
          creationTime: "2026-12-02T00:00:00Z",
          customizationType: j.customizationType,
          trainingDataConfig: j.trainingDataConfig,
          outputDataConfig: j.outputDataConfig,
          hyperParameters: j.hyperParameters,
          statusDetails: { validationDetails: { status: "Completed" }, trainingDetails: { status: done ? (opts.fail ? "Failed" : "Completed") : "InProgress" } },
        });
      }
      json(404, { message: `no route ${req.method} ${url}` }, "UnknownOperationException");
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://127.0.0.1:${port}`,
    env: { AWS_ENDPOINT_URL_BEDROCK: `http://127.0.0.1:${port}`, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "not-a-secret" },
    requests,
    jobs,
    close: () => new Promise((r) => (server.closeAllConnections?.(), server.close(() => r(undefined)))),
  };
}

import { PrepError } from "../record.js";

/** One request to a teacher model: a system prompt, one user prompt, sampling parameters. */
export interface TeacherRequest {
  system?: string;
  /** Earlier turns of a conversation, before `prompt` (eval of multi-turn records); alternating, starting with user. */
  history?: { role: "user" | "assistant"; content: string }[];
  prompt: string;
  temperature?: number;
  maxOutputTokens?: number;
}

export interface TeacherReply {
  text: string;
  inputTokens: number;
  outputTokens: number;
}

/** A teacher model behind a real client: Bedrock Converse or an OpenAI-compatible server. */
export interface Teacher {
  /** `bedrock:<modelId>` or `openai:<model>`: part of the cache key and of each record's provenance. */
  readonly id: string;
  readonly backend: "bedrock" | "openai";
  readonly model: string;
  generate(req: TeacherRequest, signal?: AbortSignal): Promise<TeacherReply>;
}

/** How a failed request is to be treated: retried, given up for this document, or the end of the run. */
export type FailureKind = "retry" | "document" | "fatal";

/** A teacher error, classified, with the server's `Retry-After` (seconds) when it sent one. */
export class TeacherError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly retryAfterSeconds?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = "TeacherError";
  }
}

const NET_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "EAI_AGAIN", "ECONNABORTED"]);

function retryAfterOf(headers: Record<string, string | undefined> | Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const get = (k: string) => (headers instanceof Headers ? (headers.get(k) ?? undefined) : (headers[k] ?? headers[k.toLowerCase()]));
  const ms = Number(get("retry-after-ms"));
  if (Number.isFinite(ms) && ms >= 0 && get("retry-after-ms") !== undefined) return ms / 1000;
  const v = get("retry-after");
  if (v === undefined) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, (at - Date.now()) / 1000) : undefined;
}

const AUTH_NAMES = /UnrecognizedClient|InvalidSignature|ExpiredToken|AccessDenied|CredentialsProviderError|invalid_api_key|AuthenticationError|PermissionDenied/i;

/** Bedrock (AWS SDK v3) errors → retry (throttling, transient, 5xx, timeouts), fatal (credentials), or this document only. */
export function classifyBedrock(e: unknown): TeacherError {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> }; code?: string; cause?: { code?: string } };
  const status = err.$metadata?.httpStatusCode;
  const name = err.name ?? "";
  const message = `${name ? `${name}: ` : ""}${err.message ?? String(e)}`;
  const retryAfter = retryAfterOf(err.$response?.headers);
  if (AUTH_NAMES.test(name) || status === 401 || status === 403 || name === "CredentialsProviderError") return new TeacherError(message, "fatal", undefined, status);
  if (/Throttling|TooManyRequests|ModelNotReady|ServiceUnavailable|InternalServer|TimeoutError|RequestTimeout/.test(name) || (status !== undefined && (status === 429 || status >= 500))) {
    return new TeacherError(message, "retry", retryAfter, status);
  }
  if (NET_CODES.has(err.code ?? "") || NET_CODES.has(err.cause?.code ?? "")) return new TeacherError(message, "retry", undefined, status);
  if (status === undefined && /socket hang up|ECONNRESET|EPIPE|network|aborted/i.test(message)) return new TeacherError(message, "retry");
  if (/Region is missing|Could not load credentials/i.test(message)) return new TeacherError(message, "fatal");
  return new TeacherError(message, "document", undefined, status);
}

/** openai-node errors → the same classes. */
export function classifyOpenAI(e: unknown): TeacherError {
  // Our own fetch's verdict (a reply that is not UTF-8), wrapped by the client as a connection error.
  if (e instanceof TeacherError) return e;
  const cause = (e as { cause?: unknown })?.cause;
  if (cause instanceof TeacherError) return cause;
  const err = e as { name?: string; message?: string; status?: number; headers?: Headers | Record<string, string>; cause?: { code?: string } };
  const status = err.status;
  const message = err.message ?? String(e);
  if (status === 401 || status === 403) return new TeacherError(message, "fatal", undefined, status);
  if (status === 408 || status === 409 || status === 429 || (status !== undefined && status >= 500)) return new TeacherError(message, "retry", retryAfterOf(err.headers), status);
  const cls = (e as object)?.constructor?.name ?? "";
  if (status === undefined && (/APIConnection|Timeout/i.test(`${err.name ?? ""} ${cls}`) || /^Connection error|timed out/i.test(message) || NET_CODES.has(err.cause?.code ?? ""))) return new TeacherError(message, "retry");
  return new TeacherError(message, "document", undefined, status);
}

/**
 * A Bedrock teacher through `@aws-sdk/client-bedrock-runtime`'s Converse. Region, credentials, profile and endpoint
 * come from the SDK's standard chain (`AWS_REGION`, `AWS_PROFILE`, `~/.aws/*`, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`).
 * HTTP/1.1 (NodeHttpHandler): the default HTTP/2 handler fails against plain HTTP/1.1 endpoints and proxies. The
 * SDK's own retries are off (one attempt): the runner retries with its own backoff, counted and bounded.
 */
export async function bedrockTeacher(modelId: string, opts: { region?: string; endpoint?: string; concurrency?: number; requestTimeoutMs?: number } = {}): Promise<Teacher> {
  // prep-data supports Node 20 with the SDK version its lockfile pins: the SDK's notice about future versions is not
  // this run's business (and would be the only multi-line message on stderr).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [{ BedrockRuntimeClient, ConverseCommand }, { NodeHttpHandler }] = await Promise.all([import("@aws-sdk/client-bedrock-runtime"), import("@smithy/node-http-handler")]);
  const client = new BedrockRuntimeClient({
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    // socketTimeout: no byte either way for that long ends the attempt; the runner's deadline bounds the whole.
    requestHandler: new NodeHttpHandler({ ...(opts.requestTimeoutMs ? { socketTimeout: opts.requestTimeoutMs } : {}), httpAgent: { keepAlive: true, maxSockets: Math.max(50, opts.concurrency ?? 8) }, httpsAgent: { keepAlive: true, maxSockets: Math.max(50, opts.concurrency ?? 8) } }),
    maxAttempts: 1,
  });
  // The SDK decodes a body's invalid bytes to U+FFFD and hands the damaged reply on: read the raw body first (just
  // before the deserializer), and refuse it as the OpenAI path does.
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const res = out.response as { statusCode?: number; body?: unknown };
      const body = res?.body as AsyncIterable<Uint8Array> | undefined;
      if (res && body && typeof body === "object" && Symbol.asyncIterator in body && (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) {
        const parts: Uint8Array[] = [];
        for await (const c of body) parts.push(c);
        const bytes = Buffer.concat(parts);
        try {
          new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        } catch {
          throw new TeacherError(INVALID_UTF8, "document");
        }
        res.body = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      }
      return out;
    },
    { step: "deserialize", priority: "low", name: "prepDataStrictUtf8" },
  );
  return {
    id: `bedrock:${modelId}`,
    backend: "bedrock",
    model: modelId,
    async generate(req, signal) {
      try {
        const r = await client.send(
          new ConverseCommand(converseInput(modelId, req) as unknown as ConstructorParameters<typeof ConverseCommand>[0]),
          { abortSignal: signal },
        );
        const content = r.output?.message?.content;
        if (!Array.isArray(content)) throw new TeacherError("the reply holds no message content (not a Converse response)", "retry");
        const text = content.map((c) => (c && typeof c === "object" && "text" in c && typeof c.text === "string" ? c.text : "")).join("");
        return { text, inputTokens: r.usage?.inputTokens ?? 0, outputTokens: r.usage?.outputTokens ?? 0 };
      } catch (e) {
        if (e instanceof TeacherError) throw e;
        if (cutMidReply(e)) throw new TeacherError(`the connection was cut mid-reply (${(e as Error).message})`, "retry");
        throw classifyBedrock(e);
      }
    },
  };
}

/**
 * An OpenAI-compatible teacher (vLLM, Ollama, LiteLLM, OpenAI itself) through the `openai` package: `baseURL` from
 * `--base-url` or `OPENAI_BASE_URL`, key from `OPENAI_API_KEY` (local servers ignore it; a placeholder is sent when
 * unset). The client's own retries are off: the runner retries.
 */
export async function openaiTeacher(model: string, opts: { baseUrl?: string; apiKey?: string; requestTimeoutMs?: number } = {}): Promise<Teacher> {
  const { default: OpenAI } = await import("openai");
  const baseURL = opts.baseUrl ?? process.env.OPENAI_BASE_URL;
  const deadline = opts.requestTimeoutMs ?? 600_000;
  // The runner's deadline ends an attempt; the client's own is a backstop just after it.
  const client = new OpenAI({ baseURL, apiKey: opts.apiKey ?? process.env.OPENAI_API_KEY ?? "not-needed-for-local-servers", maxRetries: 0, timeout: deadline + 5_000, fetch: strictUtf8Fetch(Math.min(BODY_IDLE_MS, deadline)) });
  return {
    id: `openai:${model}`,
    backend: "openai",
    model,
    async generate(req, signal) {
      try {
        const r = await client.chat.completions.create(
          {
            model,
            messages: [...(req.system ? [{ role: "system" as const, content: req.system }] : []), ...(req.history ?? []).map((t) => ({ role: t.role, content: t.content })), { role: "user" as const, content: req.prompt }],
            ...(req.maxOutputTokens ? { max_tokens: req.maxOutputTokens } : {}),
            ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
          },
          { signal },
        );
        // A gateway's HTML page or an error object with status 200: not a chat completion, retried like a 502.
        if (!r || typeof r !== "object" || !Array.isArray(r.choices)) throw new TeacherError(`the server answered ${typeof r === "string" ? "text (an HTML page?)" : "something"} that is not a chat completion`, "retry");
        const content: unknown = r.choices[0]?.message?.content ?? "";
        if (typeof content !== "string") throw new TeacherError(`the reply's content is ${content === null ? "null" : typeof content}, not text`, "document");
        return { text: content, inputTokens: r.usage?.prompt_tokens ?? 0, outputTokens: r.usage?.completion_tokens ?? 0 };
      } catch (e) {
        if (e instanceof TeacherError) throw e;
        throw classifyOpenAI(e);
      }
    },
  };
}

const INVALID_UTF8 = "the reply is not valid UTF-8 (its bytes would have been replaced with U+FFFD)";

/** A reply body that sends no byte for this long, once its headers came, is given up (retried). */
const BODY_IDLE_MS = 60_000;

/** Node's words for a socket closed before the body's last byte (undici's "terminated", http's "aborted"). */
function cutMidReply(e: unknown): boolean {
  const err = e as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  return /^(terminated|aborted)$/.test(err?.message ?? "") || err?.code === "ECONNRESET" && /aborted/.test(err.message ?? "") || err?.cause?.code === "UND_ERR_SOCKET";
}

/**
 * fetch, with a body read to its end here: one that stalls for `idleMs` after the headers is a retryable teacher
 * error, a connection cut mid-body says so, and the bytes must be UTF-8 — the client would decode invalid bytes to
 * U+FFFD and hand the damaged reply on; here such a reply is a teacher error for its document (the server's fault,
 * not retried).
 */
function strictUtf8Fetch(idleMs: number) {
  return async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await fetch(url, init);
    const body = await readBody(res, idleMs, init?.signal ?? undefined);
    return checkedUtf8(res, body);
  };
}

async function readBody(res: Response, idleMs: number, signal?: AbortSignal): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<"idle">((r) => (timer = setTimeout(() => r("idle"), idleMs)));
    let step: Awaited<ReturnType<typeof reader.read>> | "idle";
    try {
      step = await Promise.race([reader.read(), idle]);
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new TeacherError(`the connection was cut mid-reply after ${size} bytes (${(e as Error).message})`, "retry");
    } finally {
      clearTimeout(timer);
    }
    if (step === "idle") {
      reader.cancel().catch(() => {});
      throw new TeacherError(`the reply stalled: no byte for ${idleMs / 1000} s after ${size} bytes`, "retry");
    }
    if (step.done) break;
    parts.push(step.value);
    size += step.value.byteLength;
  }
  return Buffer.concat(parts);
}

function checkedUtf8(res: Response, body: Uint8Array): Response {
  if (res.ok) {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(body);
    } catch {
      throw new TeacherError(INVALID_UTF8, "document");
    }
  }
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** The Converse request for one teacher request. */
export function converseInput(modelId: string, req: TeacherRequest): Record<string, unknown> {
  return {
    modelId,
    messages: [...(req.history ?? []).map((t) => ({ role: t.role, content: [{ text: t.content }] })), { role: "user", content: [{ text: req.prompt }] }],
    ...(req.system ? { system: [{ text: req.system }] } : {}),
    inferenceConfig: { ...(req.maxOutputTokens ? { maxTokens: req.maxOutputTokens } : {}), ...(req.temperature !== undefined ? { temperature: req.temperature } : {}) },
  };
}

/**
 * The teacher options checked before any input is read: for a Bedrock teacher, the model id, --temperature (at most
 * 1 in Converse), --max-output-tokens and --system against Converse's input shape in the service model.
 */
export async function checkTeacherOptions(spec: string, o: { temperature?: number; maxOutputTokens?: number; system?: string }): Promise<void> {
  const m = /^(bedrock|openai):(.+)$/.exec(spec);
  if (!m) throw new PrepError(`--teacher ${spec}: expected bedrock:<modelId> or openai:<model>`, 2);
  if (m[1] !== "bedrock") return;
  const { checkRequest } = await import("../jobs/requests.js");
  checkRequest("bedrock-runtime", "Converse", converseInput(m[2]!, { prompt: "(the prompt)", system: o.system, temperature: o.temperature, maxOutputTokens: o.maxOutputTokens }), {
    modelId: "--teacher",
    "inferenceConfig.temperature": "--temperature",
    "inferenceConfig.maxTokens": "--max-output-tokens",
    system: "--system",
  });
}

/** `bedrock:<modelId>` or `openai:<model>` → a teacher. */
export async function teacherFrom(spec: string, opts: { baseUrl?: string; concurrency?: number; requestTimeoutMs?: number } = {}): Promise<Teacher> {
  const m = /^(bedrock|openai):(.+)$/.exec(spec);
  if (!m) throw new PrepError(`--teacher ${spec}: expected bedrock:<modelId> or openai:<model>`, 2);
  return m[1] === "bedrock" ? bedrockTeacher(m[2]!, { concurrency: opts.concurrency, requestTimeoutMs: opts.requestTimeoutMs }) : openaiTeacher(m[2]!, { baseUrl: opts.baseUrl, requestTimeoutMs: opts.requestTimeoutMs });
}

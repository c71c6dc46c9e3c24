/**
 * Secrets this process sends (API keys, tokens, passwords in URLs), masked in everything it prints or writes about
 * a run: a gateway that echoes the Authorization header in its error body must not get the key onto stderr or into
 * --report. Records on stdout are data and are not touched.
 */
const secrets = new Set<string>();

/** A value this process sends as a credential: masked from now on (values under 8 characters are too common to mask). */
export function registerSecret(value: string | undefined): void {
  const v = value?.trim();
  if (v && v.length >= 8) secrets.add(v);
}

/** The credentials read from the environment: OpenAI, Hugging Face and AWS keys and tokens. */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const k of ["OPENAI_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"]) registerSecret(env[k]);
}

// `scheme://user:password@host`: the userinfo of any URL.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;

/** The text with every registered secret and every URL's userinfo replaced by `***`. */
export function maskSecrets(text: string): string {
  let out = text.replace(USERINFO, "$1***@");
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("***");
  return out;
}

let installed = false;

/** Mask secrets in everything written to stderr from now on. */
export function maskStderr(): void {
  if (installed) return;
  installed = true;
  const write = process.stderr.write.bind(process.stderr) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === "string" ? maskSecrets(chunk) : Buffer.isBuffer(chunk) ? maskSecrets(chunk.toString("utf8")) : chunk, ...rest)) as typeof process.stderr.write;
}

import { registerSecret } from "../secrets.js";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { PrepError } from "../record.js";

/** Hub settings from the environment, read the way Python's huggingface_hub reads them. */
export interface HubConfig {
  endpoint: string;
  /** Never printed or logged. */
  token?: string;
  cacheDir: string;
  offline: boolean;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ["1", "true", "yes", "on"].includes(v.trim().toLowerCase());
}

export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "huggingface");
}

/**
 * A token as read from a variable or file: surrounding whitespace (a trailing newline) trimmed; anything with a
 * control character left inside (two lines, a stray CR) refused with a message that never shows it.
 */
export function cleanToken(raw: string | undefined, from: string): string | undefined {
  const t = raw?.trim();
  if (!t) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(t)) {
    throw new PrepError(`the Hugging Face token in ${from} holds control characters (several lines?); it must be one line (the token is not shown)`, 2);
  }
  return t;
}

export function hubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const home = hfHome(env);
  const fromEnv = env.HF_TOKEN ? "HF_TOKEN" : env.HUGGING_FACE_HUB_TOKEN ? "HUGGING_FACE_HUB_TOKEN" : undefined;
  let token = fromEnv ? cleanToken(env[fromEnv], fromEnv) : undefined;
  if (!token) {
    const path = env.HF_TOKEN_PATH ?? join(home, "token");
    let raw: string | undefined;
    try {
      raw = readFileSync(path, "utf8");
    } catch {
      raw = undefined;
    }
    token = cleanToken(raw, path);
  }
  registerSecret(token);
  return {
    endpoint: (env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, ""),
    token,
    cacheDir: env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(home, "hub"),
    offline: truthy(env.HF_HUB_OFFLINE) || truthy(env.TRANSFORMERS_OFFLINE),
  };
}

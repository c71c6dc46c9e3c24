import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

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

export function hubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const home = hfHome(env);
  let token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  if (!token) {
    try {
      token = readFileSync(env.HF_TOKEN_PATH ?? join(home, "token"), "utf8").trim() || undefined;
    } catch {
      token = undefined;
    }
  }
  return {
    endpoint: (env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, ""),
    token,
    cacheDir: env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(home, "hub"),
    offline: truthy(env.HF_HUB_OFFLINE) || truthy(env.TRANSFORMERS_OFFLINE),
  };
}

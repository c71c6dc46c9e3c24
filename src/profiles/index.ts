import { distance } from "fastest-levenshtein";
import { PrepError } from "../record.js";
import { targets } from "../targets/table.js";
import { profiles, type Profile, type Task } from "./table.js";

export * from "./table.js";
export { SOURCES } from "./sources.js";
export { targets, targetNames } from "../targets/table.js";

/** Bedrock's models, then the other trainers' targets: what a rule set is looked up in. */
const ruleSets = (): Profile[] => [...profiles, ...targets];

/**
 * Another trainer's rules by name (`--target`), or undefined for `bedrock` (whose rules are per model: `--model`).
 * An unknown name is a usage error with the nearest names.
 */
export function getTarget(name: string): Profile | undefined {
  const key = name.trim().toLowerCase();
  if (key === "bedrock" || key === "aws") return undefined;
  const t = targets.find((x) => x.id === key || x.aliases.includes(key));
  if (t) return t;
  const names = ["bedrock", ...targets.flatMap((x) => [x.id, ...x.aliases])];
  const near = names.map((n) => ({ n, d: distance(key, n) })).filter((x) => x.d <= Math.max(2, Math.ceil(key.length / 3))).sort((a, b) => a.d - b.d);
  throw new PrepError(`unknown target "${name}"; ${near.length ? `did you mean ${near[0]!.n}? ` : ""}targets: ${["bedrock", ...targets.map((x) => x.id)].join(", ")}`, 2);
}

/**
 * A profile by full model ID (with or without a `:0:4k`-style suffix) or short alias. A model Bedrock no longer
 * customizes is a usage error naming what to use instead (`listing` to get it anyway, for `models`).
 */
export function getProfile(idOrAlias: string, opts: { listing?: boolean } = {}): Profile {
  const key = idOrAlias.trim().toLowerCase();
  const p =
    ruleSets().find((x) => x.id.toLowerCase() === key || x.aliases.includes(key)) ??
    profiles.find((x) => key.startsWith(x.id.toLowerCase() + ":") || x.id.toLowerCase().startsWith(key + ":"));
  if (!p) {
    const near = nearestModels(key);
    throw new PrepError(`unknown model "${idOrAlias}"; ${near.length ? `did you mean ${near.map((x) => `${x.aliases[0]} (${x.baseModelId.value})`).join(" or ")}? ` : ""}run \`prep-data models\` for the list`, 2);
  }
  if (p.notCustomizable && !opts.listing) throw new PrepError(`${p.id}: ${p.notCustomizable}`, 2);
  return p;
}

/** The task a format implies for a profile (cpt/text → continued pre-training). */
export function taskFor(profile: Profile, format: string): Task | undefined {
  for (const [task, rules] of Object.entries(profile.tasks)) if (rules?.formats.value.includes(format)) return task as Task;
  return undefined;
}

/** The total-token limit that applies at a batch size. */
export function totalLimitAt(profile: Profile, task: Task, batchSize: number): { tokens: number; confirmed: boolean } | undefined {
  const f = profile.tasks[task]?.tokens.total;
  if (!f) return undefined;
  const hit = f.value.find((r) => batchSize >= r.batch[0] && batchSize <= r.batch[1]);
  // Past the largest published batch size but within the hyperparameter range (Titan: limits for 1-4, batch sizes
  // up to 64): the smallest published limit applies, as a bound the docs do not confirm — never a refusal.
  const last = f.value[f.value.length - 1]!;
  const bs = profile.hyperparameters.value.batchSize;
  if (!hit && batchSize > last.batch[1] && bs && batchSize <= bs.max) {
    return { tokens: Math.min(...f.value.map((r) => r.tokens)), confirmed: false };
  }
  if (!hit) {
    const ranges = f.value.map((r) => (r.batch[1] === Infinity ? `${r.batch[0]}+` : r.batch[0] === r.batch[1] ? `${r.batch[0]}` : `${r.batch[0]}-${r.batch[1]}`)).join(", ");
    throw new PrepError(`${profile.id} publishes token limits for batch sizes ${ranges}, not ${batchSize}`, 2);
  }
  return { tokens: hit.tokens, confirmed: f.confirmed };
}

/** The models whose alias or id is nearest a mistyped name (edit distance, at most a third of its length). */
export function nearestModels(name: string, max = 3): Profile[] {
  const key = name.trim().toLowerCase();
  const scored = ruleSets().map((p) => {
    const names = [...p.aliases, p.id.toLowerCase(), p.baseModelId.value.toLowerCase()];
    // A prefix of an id (amazon.nova-li…) counts as a near name too.
    const d = Math.min(...names.map((n) => (n.startsWith(key) && key.length >= 4 ? 1 : distance(key, n))));
    return { p, d };
  });
  const bound = Math.max(2, Math.ceil(key.length / 3));
  const best = scored.filter((x) => x.d <= bound).sort((a, b) => a.d - b.d);
  if (!best.length) return [];
  return best.filter((x) => x.d === best[0]!.d).slice(0, max).map((x) => x.p);
}

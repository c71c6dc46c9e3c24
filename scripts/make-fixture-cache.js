// Rebuild fixtures/hf-cache (the offline Hub cache the README's first command runs on) from fixtures/hub,
// by fetching through the local Hub stand-in exactly as a user's first online run would.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { resolveSplit, fetchFile } from "../dist/index.js";
import { startHubServer } from "../test/helpers/hub-server.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(root, "fixtures", "hf-cache");
rmSync(cacheDir, { recursive: true, force: true });
const server = await startHubServer({ root: join(root, "fixtures", "hub") });
const hub = { endpoint: server.url, cacheDir, offline: false };
for (const split of ["train", "validation"]) {
  const r = await resolveSplit("knkarthick/dialogsum", { split, hub });
  for (const f of r.files) console.log(await fetchFile(r, f.path, hub));
}
await server.close();

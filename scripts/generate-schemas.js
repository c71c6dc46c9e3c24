// Regenerate schemas/*.schema.json from the zod schemas (run `npm run schemas` after changing a format).
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { schemaFiles } from "../dist/schemas.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas");
for (const { file, text } of schemaFiles()) {
  writeFileSync(join(dir, file), text);
  console.log(`wrote schemas/${file}`);
}

import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/run.js";

/** ../shared beside the checkout (or SHARED_DIR): the third-party corpus and DialogSum as the Hub serves it. */
export const SHARED = process.env.SHARED_DIR ?? join(ROOT, "..", "shared");
export const HAVE_SHARED = existsSync(join(SHARED, "datasets", "hf")) && existsSync(join(SHARED, "corpus"));

if (!HAVE_SHARED) {
  // Said loudly, so a green run without the corpus is never mistaken for a full one.
  console.warn(`\n*** SKIPPING the ../shared suite: ${SHARED} not found (set SHARED_DIR to point at it) ***\n`);
}

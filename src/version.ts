/** prep-data's version, as package.json says it (a test holds the two equal). Kept apart so `--version` loads nothing else. */
export const VERSION = "0.1.0";

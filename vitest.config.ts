import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // pdf.js is the engine every machine has: --engine auto falls back to it when pdftotext is not found, so tests
    // get the same engine wherever they run. Tests of the poppler engine unset this (and skip, saying so, when
    // poppler is not installed).
    env: { PREP_DATA_PDFTOTEXT: "/nonexistent/pdftotext" },
  },
});

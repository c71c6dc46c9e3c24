import type { SourceKey } from "./sources.js";

/** A number (or list) with where it comes from. `confirmed: false` findings against it are warnings, not errors. */
export interface Fact<T> {
  value: T;
  source: SourceKey;
  confirmed: boolean;
}

export const C = <T>(value: T, source: SourceKey): Fact<T> => ({ value, source, confirmed: true });
export const U = <T>(value: T, source: SourceKey): Fact<T> => ({ value, source, confirmed: false });


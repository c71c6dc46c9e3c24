/**
 * Objects read in the order they were listed are fetched a few ahead: a prefix of 10,000 small objects read one
 * request pair at a time (HEAD, then GET) took 494 s. When a listed object is opened, the next ones (up to
 * {@link AHEAD} objects and {@link AHEAD_BYTES} bytes, each at most {@link SMALL} bytes) are fetched whole in the
 * background; opening one of them hands over its bytes. Order, and what each reader sees, are unchanged; a fetch that
 * failed is simply done again by the reader, which reports it as before.
 */
import type { Readable } from "node:stream";

const AHEAD = 8;
const AHEAD_BYTES = 64 * 1024 * 1024;
const SMALL = 8 * 1024 * 1024;

interface Listed {
  uris: string[];
  sizes: number[];
}

/** The last listing each object came from, and its place in it. */
const where = new Map<string, { list: Listed; at: number }>();
/** Objects being fetched ahead, by URI. */
const fetched = new Map<string, { size: number; body: Promise<Buffer | undefined> }>();
let heldBytes = 0;

/** Remember a listing (objects in the order they will be read, with their sizes). */
export function listed(uris: string[], sizes: number[]): void {
  const list = { uris, sizes };
  uris.forEach((u, at) => where.set(u, { list, at }));
}

/**
 * The object's bytes when they were fetched ahead (and the next ones start coming), else undefined: the caller reads
 * it itself.
 */
export async function takeAhead(uri: string, get: (uri: string) => Promise<Readable>): Promise<Buffer | undefined> {
  const w = where.get(uri);
  if (!w) return undefined;
  const mine = fetched.get(uri);
  if (mine) {
    fetched.delete(uri);
    heldBytes -= mine.size;
  }
  // Start the next ones, in order, within the bounds.
  for (let k = w.at + 1; k < w.list.uris.length && k <= w.at + AHEAD; k++) {
    const next = w.list.uris[k]!;
    const size = w.list.sizes[k]!;
    if (fetched.has(next)) continue;
    if (size > SMALL || heldBytes + size > AHEAD_BYTES) break;
    heldBytes += size;
    const body = (async () => {
      const parts: Buffer[] = [];
      for await (const c of await get(next)) parts.push(c as Buffer);
      return Buffer.concat(parts);
    })().catch(() => undefined);
    fetched.set(next, { size, body });
  }
  return mine ? mine.body : undefined;
}

/**
 * A task's share of a list (files, Hub files): its contiguous block of the list in the order the single run reads it
 * (the command line's order; folders and globs expand sorted), so the shards' outputs read in shard order are the
 * records of the single run, in order.
 */
export function shareOf<T>(xs: T[], shard: { index: number; count: number }): T[] {
  return xs.slice(Math.floor((xs.length * shard.index) / shard.count), Math.floor((xs.length * (shard.index + 1)) / shard.count));
}

/**
 * A task's share of a list (files, Hub files): its contiguous block of the sorted list, so the shards' outputs
 * read in shard order are the records of a single run over the sorted list, in order.
 */
export function shareOf<T>(xs: T[], shard: { index: number; count: number }): T[] {
  const sorted = [...xs].sort();
  return sorted.slice(Math.floor((sorted.length * shard.index) / shard.count), Math.floor((sorted.length * (shard.index + 1)) / shard.count));
}

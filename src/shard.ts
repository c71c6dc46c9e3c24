/** A task's share of a list: every count-th item of it sorted, starting at index (files, Hub files). */
export function shareOf<T>(xs: T[], shard: { index: number; count: number }): T[] {
  return [...xs].sort().filter((_, i) => i % shard.count === shard.index);
}

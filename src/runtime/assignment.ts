import { crc32 } from '../protocol/partition.ts';
import type { PoolRange } from '../protocol/placement.ts';

const encoder = new TextEncoder();

function score(worker: string, p: number): number {
  // murmur3's finaliser spreads crc32's weak low bits
  let h = crc32(encoder.encode(`${worker}#${p}`));
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Which of the partitions first .. first+partitions-1 (one pool's) each live worker should own: rendezvous hashing with a capacity of
 * ceil(P / workers), so the spread is even and a join or leave moves few partitions. Every worker
 * computes the same answer from the same registry, so no coordinator is needed.
 */
export function assignPartitions(
  partitions: number,
  workers: readonly string[],
  first = 0,
): Map<string, number[]> {
  const sorted = [...new Set(workers)].sort();
  const out = new Map<string, number[]>(sorted.map((w) => [w, []]));
  if (sorted.length === 0) return out;
  const cap = Math.ceil(partitions / sorted.length);
  for (let p = first; p < first + partitions; p++) {
    const ranked = sorted
      .map((w) => ({ w, s: score(w, p) }))
      .sort((a, b) => b.s - a.s || (a.w < b.w ? -1 : 1));
    for (const { w } of ranked) {
      const owned = out.get(w)!;
      if (owned.length < cap) {
        owned.push(p);
        break;
      }
    }
  }
  return out;
}

/**
 * Which partitions each live worker should own, pool by pool: a pool's partitions are spread over
 * the workers that serve it (`served`: worker -> its pools), and a pool no live worker serves waits.
 */
export function assignPools(
  pools: readonly PoolRange[],
  served: ReadonlyMap<string, readonly string[]>,
): Map<string, number[]> {
  const out = new Map<string, number[]>([...served.keys()].map((w) => [w, []]));
  for (const pool of pools) {
    const workers = [...served].filter(([, names]) => names.includes(pool.name)).map(([w]) => w);
    for (const [w, ps] of assignPartitions(pool.count, workers, pool.first)) out.get(w)!.push(...ps);
  }
  return out;
}

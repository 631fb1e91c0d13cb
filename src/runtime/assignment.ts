import { crc32 } from '../protocol/partition.ts';

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
 * Which partitions each live worker should own: rendezvous hashing with a capacity of
 * ceil(P / workers), so the spread is even and a join or leave moves few partitions. Every worker
 * computes the same answer from the same registry, so no coordinator is needed.
 */
export function assignPartitions(partitions: number, workers: readonly string[]): Map<string, number[]> {
  const sorted = [...new Set(workers)].sort();
  const out = new Map<string, number[]>(sorted.map((w) => [w, []]));
  if (sorted.length === 0) return out;
  const cap = Math.ceil(partitions / sorted.length);
  for (let p = 0; p < partitions; p++) {
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

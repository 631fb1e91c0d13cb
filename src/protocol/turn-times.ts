/**
 * How long turns take, per actor type, as workers publish it in their registry entry and
 * `admin.types()` reads it back: counts over fixed buckets, so the counts of several workers add up
 * (percentiles of percentiles would not).
 */

/** Upper bounds in ms of the buckets; a last bucket counts every longer turn. */
export const TURN_MS_BOUNDS: readonly number[] = [
  0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000,
];

/** Per type, how many turns fell in each bucket (TURN_MS_BOUNDS.length + 1 counts). */
export type TurnHistograms = Record<string, number[]>;

/** The bucket a turn of `ms` counts in. */
export function turnBucketOf(ms: number): number {
  let i = 0;
  while (i < TURN_MS_BOUNDS.length && ms > TURN_MS_BOUNDS[i]!) i++;
  return i;
}

/** One count per bucket, all zero. */
export function emptyTurnCounts(): number[] {
  return new Array<number>(TURN_MS_BOUNDS.length + 1).fill(0);
}

/** The registry entry's `turnMs` field: JSON `{ type: counts }`. */
export function encodeTurnHistograms(h: ReadonlyMap<string, readonly number[]>): string {
  return JSON.stringify(Object.fromEntries(h));
}

/** Reads `turnMs` back; a missing or unreadable field (a worker of an older version) reads as none. */
export function decodeTurnHistograms(field: string | undefined): TurnHistograms {
  if (!field) return {};
  try {
    const parsed = JSON.parse(field) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    const out: TurnHistograms = {};
    for (const [type, counts] of Object.entries(parsed)) {
      if (Array.isArray(counts) && counts.every((n) => typeof n === 'number')) out[type] = counts;
    }
    return out;
  } catch {
    return {};
  }
}

/** Adds `counts` into `into` bucket by bucket. */
export function addTurnCounts(into: number[], counts: readonly number[]): void {
  counts.forEach((n, i) => (into[i] = (into[i] ?? 0) + n));
}

/**
 * The `q`-quantile (0..1) of the counted turns, as the upper bound of the bucket it falls in (the
 * last bucket reads as its lower bound); null when nothing was counted.
 */
export function turnQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return TURN_MS_BOUNDS[Math.min(i, TURN_MS_BOUNDS.length - 1)]!;
  }
  return TURN_MS_BOUNDS[TURN_MS_BOUNDS.length - 1]!;
}

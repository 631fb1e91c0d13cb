/** The most of the intervals [start, end] that overlap at one moment (an end and a start at the same ms do not). */
export function maxOverlap(runs: readonly (readonly [number, number])[]): number {
  const edges = runs.flatMap(([s, e]) => [
    [s, 1],
    [e, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d!));
  return most;
}

/**
 * A dead letter's id: the entry id in its partition's dead-letter stream, with the partition after
 * an `@`, e.g. `1718000000000-0@12`. Ids from before layout 4 (one stream per namespace) have no
 * partition; `troupe migrate` keeps their stream ids, so such an id is still found by looking in
 * every partition.
 */
const ID = /^(\d+)(?:-(\d+))?(?:@(\d+))?$/;

export interface DeadLetterRef {
  /** The stream entry id, `<ms>-<seq>`. */
  entry: string;
  /** The partition whose stream holds it; undefined for an id without one. */
  p: number | undefined;
}

export function deadLetterId(p: number, entry: string): string {
  return `${entry}@${p}`;
}

/** The parts of a dead-letter id, or undefined when `id` is not one. */
export function parseDeadLetterId(id: string): DeadLetterRef | undefined {
  const m = typeof id === 'string' ? ID.exec(id) : null;
  if (!m) return undefined;
  const entry = `${m[1]!}-${m[2] ?? '0'}`;
  return { entry, p: m[3] === undefined ? undefined : Number(m[3]) };
}

/** Orders stream entry ids (`<ms>-<seq>`) by time, then sequence. */
export function compareEntryIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

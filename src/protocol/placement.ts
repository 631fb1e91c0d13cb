/**
 * Where actors live: every actor type belongs to a pool, and each pool has its own range of the
 * namespace's partitions. The meta hash `troupe:<ns>:meta` records it (docs/protocol.md "Pools"):
 *
 * - `partitions`: the count of pool `default`, whose partitions are 0 .. partitions-1;
 * - `pool:<name>`: `"<first> <count>"` of every other pool, ranges after the default pool's;
 * - `type:<type>`: the pool of a type once a worker or client placed it (absent: `default`).
 *
 * A sender in any language reads the hash (HGETALL), looks up the type's pool and computes
 * `first + crc32("<type>/<id>") mod count`.
 */
import { crc32OfString } from './partition.ts';

export const DEFAULT_POOL = 'default';

/** One pool's partitions: `first` .. `first + count - 1`. */
export interface PoolRange {
  readonly name: string;
  readonly first: number;
  readonly count: number;
}

/** The pools and type records of one namespace, as read from its meta hash. */
export class Placement {
  private readonly byName: Map<string, PoolRange>;
  /** Sorted by `first`, for finding the pool of a partition. */
  private readonly ranges: PoolRange[];

  constructor(
    pools: readonly PoolRange[],
    private readonly typePools: ReadonlyMap<string, string>,
  ) {
    this.ranges = [...pools].sort((a, b) => a.first - b.first);
    this.byName = new Map(pools.map((r) => [r.name, r]));
    if (!this.byName.has(DEFAULT_POOL)) throw new Error('a placement needs the default pool');
  }

  /** A namespace of one pool, the default, with `partitions` partitions. */
  static single(partitions: number): Placement {
    return new Placement([{ name: DEFAULT_POOL, first: 0, count: partitions }], new Map());
  }

  /** Parses the fields of a namespace's meta hash (HGETALL). */
  static fromMeta(fields: Readonly<Record<string, string>>): Placement {
    const pools: PoolRange[] = [{ name: DEFAULT_POOL, first: 0, count: Number(fields.partitions) }];
    const types = new Map<string, string>();
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith('pool:')) {
        const [first, count] = value.split(' ').map(Number);
        pools.push({ name: field.slice(5), first: first!, count: count! });
      } else if (field.startsWith('type:')) {
        types.set(field.slice(5), value);
      }
    }
    return new Placement(pools, types);
  }

  /** The pools, default first, then in the order their partitions were added. */
  get pools(): readonly PoolRange[] {
    return this.ranges;
  }

  pool(name: string): PoolRange | undefined {
    return this.byName.get(name);
  }

  /** The pool a type was placed in, or undefined when no one placed it yet. */
  recordedPool(type: string): string | undefined {
    return this.typePools.get(type);
  }

  /** The types placed in each pool. */
  typesByPool(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [type, pool] of this.typePools) {
      const list = out.get(pool) ?? [];
      list.push(type);
      out.set(pool, list);
    }
    return out;
  }

  /** The partitions of a type: its recorded pool's, else the default pool's. */
  rangeOfType(type: string): PoolRange {
    return this.byName.get(this.typePools.get(type) ?? DEFAULT_POOL) ?? this.byName.get(DEFAULT_POOL)!;
  }

  /** The partition of actor `type/id`. */
  partitionOf(type: string, id: string): number {
    const r = this.rangeOfType(type);
    return r.first + (crc32OfString(`${type}/${id}`) % r.count);
  }

  /** The pool partition p belongs to (the default pool's for a number past every range). */
  rangeOf(p: number): PoolRange {
    for (let i = this.ranges.length - 1; i > 0; i--) {
      const r = this.ranges[i]!;
      if (p >= r.first) return r;
    }
    return this.ranges[0]!;
  }

  /** Partition count of p's pool: what the log bucket of an actor in p is computed with. */
  countAt(p: number): number {
    return this.rangeOf(p).count;
  }

  /** Every partition of the namespace, 0 .. total-1. */
  get total(): number {
    let end = 0;
    for (const r of this.ranges) end = Math.max(end, r.first + r.count);
    return end;
  }
}

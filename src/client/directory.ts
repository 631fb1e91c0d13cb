/**
 * `troupe.actors(Type)`: the directory of a type's actors and queries over its indexes. Every read
 * stays within one partition's slot, so the same code runs on a Redis Cluster; partitions are
 * read one after another, each in pages (docs/indexes.md "Queries").
 */
import type { ActorClass } from '../actor/types.ts';
import type { RegisteredActor } from '../actor/registry.ts';
import { ConfigError, IndexRebuildingError } from '../errors.ts';
import { decodeIndexMember, inRange, readIndexRecord } from '../protocol/index-entry.ts';
import type { RedisClient } from '../redis/client.ts';
import { directoryIds } from '../redis/directory-buckets.ts';
import { actorCount, indexState } from '../redis/index-state.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import type { Placements } from './placements.ts';
import { reindexType, type ReindexProgress, type ReindexResult } from './reindex.ts';
import { planWhere, type FieldRange, type Where } from './where.ts';

/** Members read per page of an index. */
const PAGE = 500;
/** Directory buckets read per round trip (a bucket holds ~61 actors at a million). */
const BUCKETS_PER_READ = 64;

/** Options of `ids()` and `count()`. */
export interface QueryOptions<C = ActorClass> {
  /** Conditions on the type's indexes, all met (AND); left out: every actor of the type. */
  where?: Where<C>;
}

export interface DirectoryDeps {
  redis: RedisClient;
  keys: Keys;
  placements: Placements;
  type: string;
  scripted: ScriptedRedis;
  /** The type's class, when this process has it: a query on a field it does not index is an error. */
  entry: RegisteredActor | undefined;
  assertOpen: () => void;
}

/**
 * The actors of one type: every actor that committed a turn and was not destroyed, and those whose
 * indexed values meet a `where`. Answers reflect committed turns only, perhaps later ones than a
 * caller last saw.
 *
 * @example
 * ```ts
 * const orders = troupe.actors(Order);
 * for await (const id of orders.ids({ where: { status: 'late' } })) console.log(id);
 * const big = await orders.count({ where: { total: { gte: 100 } } });
 * ```
 */
export class ActorDirectory<C = ActorClass> {
  constructor(private readonly d: DirectoryDeps) {}

  /** The type name this directory lists. */
  get type(): string {
    return this.d.type;
  }

  /**
   * The ids of the type's actors that meet `where` (all of them without it), read in pages. Each
   * actor comes at most once per iteration, even while turns change it.
   */
  ids(options: QueryOptions<C> = {}): AsyncIterable<string> {
    return { [Symbol.asyncIterator]: () => this.iterate(options)[Symbol.asyncIterator]() };
  }

  /** How many of the type's actors meet `where` (every actor of the type without it). */
  async count(options: QueryOptions<C> = {}): Promise<number> {
    const ranges = await this.plan(options);
    const partitions = await this.partitions();
    if (ranges.length === 0) {
      return actorCount(
        this.d.redis,
        this.d.keys,
        this.d.type,
        this.d.placements.current.rangeOfType(this.d.type),
      );
    }
    if (ranges.length === 1) {
      const sizes = await Promise.all(partitions.map((p) => this.sizes(p, ranges)));
      return sizes.reduce((sum, [n = 0]) => sum + n, 0);
    }
    let n = 0;
    for await (const _ of this.iterate(options)) n++;
    return n;
  }

  private async *iterate(options: QueryOptions<C>): AsyncGenerator<string> {
    const ranges = await this.plan(options);
    const partitions = await this.partitions();
    if (ranges.length === 0) {
      for (const p of partitions) yield* this.listPartition(p);
      return;
    }
    // every partition's set sizes at once (one round trip): only those with matches are paged
    const sizes = await Promise.all(partitions.map((p) => this.sizes(p, ranges)));
    for (const [i, p] of partitions.entries()) {
      if (Math.min(...sizes[i]!) > 0) yield* this.queryPartition(p, ranges, sizes[i]!);
    }
  }

  /** How many members of partition p's set meet each range. */
  private sizes(p: number, ranges: readonly FieldRange[]): Promise<number[]> {
    const { redis, keys, type } = this.d;
    return Promise.all(
      ranges.map((r) => redis.zlexcount(keys.index(p, type, r.field), r.range.min, r.range.max)),
    );
  }

  private async plan(options: QueryOptions<C>): Promise<FieldRange[]> {
    this.d.assertOpen();
    const ranges = planWhere(
      this.d.type,
      options.where,
      this.d.entry?.indexes.map((f) => f.name),
    );
    if (ranges.length > 0) {
      const { redis, keys, placements, type } = this.d;
      if (!placements.known(type)) await placements.learn(type);
      const asked = [...new Set(ranges.map((r) => r.field))];
      const state = await indexState(redis, keys, type, placements.current.rangeOfType(type), asked);
      const building = asked.filter((f) => state.building.includes(f));
      if (building.length > 0) throw new IndexRebuildingError(type, building, 'building');
      if (state.unbuilt.length > 0) throw new IndexRebuildingError(type, state.unbuilt, 'unbuilt');
    }
    return ranges;
  }

  /**
   * Rebuilds the type's indexes from its actors' contexts, after `static indexes` changed: what the
   * CLI's `troupe reindex <type>` runs. Needs the class. Resumable (a run stopped midway goes on
   * where it stopped), safe beside running workers, and queries on its fields are refused with an
   * `IndexRebuildingError` until it is done. Run it once every worker runs the new definitions.
   *
   * @example
   * ```ts
   * const done = await troupe.actors(Order).reindex({ onProgress: (p) => console.log(p.partitions, p.of) });
   * ```
   */
  async reindex(options: { onProgress?: (p: ReindexProgress) => void } = {}): Promise<ReindexResult> {
    this.d.assertOpen();
    const { entry } = this.d;
    if (!entry) {
      throw new ConfigError(
        `reindexing ${this.d.type} needs its class: pass it to troupe.actors(Class), or --actors to the CLI`,
      );
    }
    return reindexType(this.d, entry, options.onProgress);
  }

  /** The partitions of the type's pool. */
  private async partitions(): Promise<number[]> {
    const { placements, type } = this.d;
    if (!placements.known(type)) await placements.learn(type);
    const range = placements.current.rangeOfType(type);
    return Array.from({ length: range.count }, (_, i) => range.first + i);
  }

  /** Every id in partition p's directory buckets of the type (none read when it has no actor). */
  private async *listPartition(p: number): AsyncGenerator<string> {
    const { redis, keys, type, placements } = this.d;
    if (Number((await redis.hget(keys.dirCount(p), type)) ?? 0) <= 0) return;
    const partitions = placements.current.countAt(p);
    for await (const ids of directoryIds(redis, keys, p, type, partitions, BUCKETS_PER_READ)) yield* ids;
  }

  /**
   * The ids in partition p that meet every range: pages of the range whose set is smallest there,
   * each candidate checked against its directory record when there are other ranges.
   */
  private async *queryPartition(
    p: number,
    ranges: readonly FieldRange[],
    sizes: readonly number[],
  ): AsyncGenerator<string> {
    const { redis, keys, type } = this.d;
    const smallest = sizes.indexOf(Math.min(...sizes));
    const lead = ranges[smallest]!;
    const others = ranges.filter((_, i) => i !== smallest);
    // a range's member moves when its value changes: it could be met again further on
    const seen = lead.equality ? undefined : new Set<string>();
    const partitions = this.d.placements.current.countAt(p);
    let min = lead.range.min;
    for (;;) {
      const page = await redis.zrangebylexBuffer(
        keys.index(p, type, lead.field),
        min,
        lead.range.max,
        'LIMIT',
        0,
        PAGE,
      );
      if (page.length === 0) return;
      const ids = page.map((m) => decodeIndexMember(m).id);
      const keep = others.length === 0 ? ids.map(() => true) : await this.meets(p, partitions, ids, ranges);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (!keep[i] || seen?.has(id)) continue;
        seen?.add(id);
        yield id;
      }
      if (page.length < PAGE) return;
      min = Buffer.concat([Buffer.from('('), page.at(-1)!]);
    }
  }

  /** Whether each actor's directory record meets every range (a record read once, at one commit). */
  private async meets(
    p: number,
    partitions: number,
    ids: string[],
    ranges: readonly FieldRange[],
  ): Promise<boolean[]> {
    const { redis, keys, type } = this.d;
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hgetBuffer(keys.dirOf(p, type, id, partitions), id);
    const replies = (await pipe.exec()) ?? [];
    return ids.map((id, i) => {
      const [err, record] = replies[i]!;
      if (err) throw err;
      if (!record) return false;
      const fields = readIndexRecord(record as Buffer);
      const idBytes = Buffer.from(id);
      return ranges.every(({ field, range }) => {
        const enc = fields.get(field);
        return enc !== undefined && inRange(Buffer.concat([enc, idBytes]), range);
      });
    });
  }
}

/**
 * Scenario `index`: queries over the directory and secondary indexes of many actors, and what
 * indexes add to a commit (`npm run bench -- --scenario index`).
 *
 * Queries: N actors (1M; --quick 20k) of a type with a string and a number index, each committed
 * once through the real path (an in-process worker, tells with 2,000 in flight): actor i has status
 * `s-<i mod 1000>` and total `i mod 1000`. Then, timed one after another: a selective filter
 * (one status: 1 actor in 1,000), a broad one (total < 500: half), both ANDed, and the directory,
 * each as `count()` and as a full `ids()` iteration; every answer is checked against what was sent.
 *
 * Commit cost: 1k actors get 50k messages (--quick 10k) that change both indexed values each time,
 * on a type with the two indexes and on one without, taking turns on fresh servers: msgs/s, and the
 * Redis time (`INFO commandstats` usec) and commands per message.
 */
import type { Redis } from 'ioredis';
import { connect, type Troupe, type Worker } from '../../src/index.ts';
import { BenchOrder, BenchPlainOrder } from '../actors.ts';
import type { BenchRedis } from '../lib/redis.ts';
import type { BenchContext, Measurement, Scenario, ScenarioOutcome } from '../lib/scenario.ts';
import { formatCount, summarize, timed } from '../lib/timing.ts';

const IN_FLIGHT = 2_000;
const STATUSES = 1_000;
const COMMIT_ACTORS = 1_000;

type OrderClass = typeof BenchPlainOrder;

/** Sends `n` set() tells, message i to actor `actorOf(i)`, with IN_FLIGHT awaiting at once. */
async function sendAll(
  troupe: Troupe,
  cls: OrderClass,
  n: number,
  actorOf: (i: number) => string,
  valuesOf: (i: number) => [string, number],
  onDone: (done: number) => void,
): Promise<void> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      await troupe.ref(cls, actorOf(i)).tell('set', ...valuesOf(i));
      if (++done % 10_000 === 0) onDone(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, n) }, lane));
}

async function untilCommitted(worker: Worker, n: number): Promise<void> {
  while (worker.stats().turnsSucceeded < n) await new Promise((r) => setTimeout(r, 20));
}

async function commandStats(admin: Redis): Promise<{ calls: number; usec: number }> {
  const info = await admin.info('commandstats');
  let calls = 0;
  let usec = 0;
  for (const m of info.matchAll(/^cmdstat_[^:]+:calls=(\d+),usec=(\d+)/gm)) {
    calls += Number(m[1]);
    usec += Number(m[2]);
  }
  return { calls, usec };
}

/** Bytes of every key matching `pattern` (MEMORY USAGE), summed. */
async function bytesOf(admin: Redis, pattern: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    cursor = next;
    const pipe = admin.pipeline();
    for (const key of keys) pipe.memory('USAGE', key, 'SAMPLES', '0');
    for (const [, used] of (await pipe.exec()) ?? []) total += Number(used ?? 0);
  } while (cursor !== '0');
  return total;
}

interface Query {
  case: string;
  where: Record<string, unknown> | undefined;
  expect: number;
}

async function queries(ctx: BenchContext, n: number, out: Measurement[], notes: string[]): Promise<void> {
  const redis = await ctx.redis();
  try {
    const troupe = await connect({ redis: redis.url, namespace: redis.namespace, actors: [BenchOrder] });
    const worker = await troupe.work({ idleMs: 1_000 });
    const bar = ctx.progress(`index: ${formatCount(n)} actors committed`, n);
    await sendAll(
      troupe,
      BenchOrder,
      n,
      (i) => `o${i}`,
      (i) => [`s-${i % STATUSES}`, i % STATUSES],
      (d) => bar.update(d),
    );
    await untilCommitted(worker, n);
    bar.stop();
    await worker.stop();
    const admin = redis.client();
    const ns = redis.namespace;
    const indexBytes = await bytesOf(admin, `{troupe:${ns}:*}:ix:bench-order:*`);
    notes.push(
      `${formatCount(n)} actors: the two indexes take ${(indexBytes / n).toFixed(1)} bytes per actor in Redis ` +
        `(${(indexBytes / n / 2).toFixed(1)} per field; MEMORY USAGE of their sorted sets), beside each actor's directory record.`,
    );
    const orders = troupe.actors(BenchOrder);
    const count = (lo: number, hi: number) =>
      Array.from({ length: n }, (_, i) => i).filter((i) => i % STATUSES >= lo && i % STATUSES < hi).length;
    const perStatus = count(7, 8);
    const cases: Query[] = [
      { case: 'selective (status =, 1 in 1,000)', where: { status: 's-7' }, expect: perStatus },
      { case: 'broad (total < 500, half)', where: { total: { lt: 500 } }, expect: count(0, 500) },
      {
        case: 'AND (status = and total < 500)',
        where: { status: 's-7', total: { lt: 500 } },
        expect: perStatus,
      },
      { case: 'directory (every actor)', where: undefined, expect: n },
    ];
    const runs = Math.max(3, ctx.runs);
    for (const q of cases) {
      const options = q.where ? { where: q.where as never } : {};
      const counts: number[] = [];
      const lists: number[] = [];
      for (let r = 0; r < runs; r++) {
        ctx.status(`index, ${q.case}: run ${r + 1}/${runs}`);
        const c = await timed(() => orders.count(options));
        if (c.value !== q.expect) throw new Error(`${q.case}: count gave ${c.value}, expected ${q.expect}`);
        counts.push(c.ms);
        const l = await timed(async () => {
          let k = 0;
          for await (const _ of orders.ids(options)) k++;
          return k;
        });
        if (l.value !== q.expect) throw new Error(`${q.case}: ids() gave ${l.value}, expected ${q.expect}`);
        lists.push(l.ms);
      }
      const label = `${q.case} over ${formatCount(n)}`;
      const row = (metric: string, values: number[]): Measurement => ({
        scenario: 'index',
        case: label,
        system: 'troupe',
        metric,
        better: 'lower',
        summary: summarize(values),
        detail: { matches: q.expect },
      });
      out.push(row('count() ms', counts), row(`ids() ms (${formatCount(q.expect)} ids)`, lists));
    }
    await troupe.close();
  } finally {
    await redis.close();
  }
}

interface CommitRun {
  rate: number;
  redisUsPerMsg: number;
  cmdsPerMsg: number;
}

async function commitRun(ctx: BenchContext, cls: OrderClass, m: number): Promise<CommitRun> {
  const redis: BenchRedis = await ctx.redis();
  try {
    const troupe = await connect({ redis: redis.url, namespace: redis.namespace, actors: [cls] });
    const worker = await troupe.work({});
    const admin = redis.client();
    // every actor exists first: what is timed is the change of values, not the first listing
    await sendAll(
      troupe,
      cls,
      COMMIT_ACTORS,
      (i) => `o${i}`,
      () => ['new', 0],
      () => {},
    );
    await untilCommitted(worker, COMMIT_ACTORS);
    const before = await commandStats(admin);
    const t = await timed(async () => {
      await sendAll(
        troupe,
        cls,
        m,
        (i) => `o${i % COMMIT_ACTORS}`,
        (i) => [`s-${i % 97}`, i % 1_009],
        () => {},
      );
      await untilCommitted(worker, COMMIT_ACTORS + m);
    });
    const after = await commandStats(admin);
    await troupe.close();
    return {
      rate: (m / t.ms) * 1000,
      redisUsPerMsg: (after.usec - before.usec) / m,
      cmdsPerMsg: (after.calls - before.calls) / m,
    };
  } finally {
    await redis.close();
  }
}

export const index: Scenario = {
  name: 'index',
  title: 'Finding actors: queries over the directory and indexes, and what indexes add to a commit',
  async run(ctx: BenchContext): Promise<ScenarioOutcome> {
    const n = ctx.quick ? 20_000 : 1_000_000;
    const m = ctx.quick ? 10_000 : 50_000;
    const measurements: Measurement[] = [];
    const notes: string[] = [];
    await queries(ctx, n, measurements, notes);
    const systems: [string, OrderClass][] = [
      ['troupe (no index)', BenchPlainOrder],
      ['troupe (2 indexes)', BenchOrder],
    ];
    const runs = new Map<string, CommitRun[]>(systems.map(([s]) => [s, []]));
    for (let r = 0; r < ctx.runs; r++) {
      for (const [system, cls] of systems) {
        ctx.status(`index, commits: ${system} run ${r + 1}/${ctx.runs}`);
        runs.get(system)!.push(await commitRun(ctx, cls, m));
      }
    }
    const label = `${formatCount(m)} msgs to 1k actors, values changing`;
    for (const [system] of systems) {
      const rs = runs.get(system)!;
      const row = (metric: string, better: 'higher' | 'lower', values: number[]): Measurement => ({
        scenario: 'index',
        case: label,
        system,
        metric,
        better,
        summary: summarize(values),
      });
      measurements.push(
        row(
          'msgs/s',
          'higher',
          rs.map((r) => r.rate),
        ),
        row(
          'redis µs/msg',
          'lower',
          rs.map((r) => r.redisUsPerMsg),
        ),
        row(
          'redis cmds/msg',
          'lower',
          rs.map((r) => r.cmdsPerMsg),
        ),
      );
    }
    notes.push(
      `Queries: ${formatCount(n)} actors of a type with a string and a number index, each committed once through the real path; ` +
        'each query timed as count() and as a full ids() iteration from one client, every answer checked.',
      `Commits: ${formatCount(m)} set() messages to 1k existing actors, each changing both indexed values, one worker in this process; ` +
        'redis µs and commands per message from INFO commandstats (commands scripts run included).',
    );
    return { measurements, notes };
  },
};

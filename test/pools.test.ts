import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '../src/index.ts';
import { Counter } from './fixtures/actors.ts';
import { Critical } from './fixtures/pools/critical.ts';
import { High, Low } from './fixtures/pools/ranked.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker } from './helpers/worker-process.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

describe('pools', () => {
  it('two workers with disjoint classes and pools never dead-letter each other’s mail, and Critical answers while Bulk has a backlog', async () => {
    const ns = uniqueNamespace('pools');
    const bulkWorker = await spawnWorker(redis.url, ns, './test/fixtures/pools/bulk.ts', ['-c', '1']);
    const criticalWorker = await spawnWorker(redis.url, ns, './test/fixtures/pools/critical.ts');
    // a sender that knows neither class: it routes by the types the workers placed
    const client = await connect({ redis: redis.url, namespace: ns });
    try {
      const JOBS = 150;
      await Promise.all(
        Array.from({ length: JOBS }, (_, i) => client.ref('bulk', `b${i % 10}`).tell('job', 20)),
      );
      const info = await client.admin.info();
      const pool = (name: string) => info.pools.find((p) => p.name === name)!;
      assert.deepEqual(
        info.pools.map((p) => [p.name, p.types, p.workers.length, p.partitions]),
        [
          ['default', [], 0, 64],
          ['bulk', ['bulk'], 1, 64],
          ['critical', ['critical'], 1, 64],
        ],
      );
      assert.ok(pool('bulk').ready > 0 && pool('bulk').oldestWaitMs !== null, JSON.stringify(pool('bulk')));
      assert.equal(pool('critical').oldestWaitMs, null);
      const answers: unknown[] = [];
      for (let i = 0; i < 10; i++) answers.push(await client.ref('critical', 'c1').ask('ping'));
      assert.deepEqual(answers, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // Critical was answered while Bulk's backlog (about 3 s of jobs, one at a time) still ran
      const bulkDone = async () => {
        let done = 0;
        for (let a = 0; a < 10; a++)
          done += (await client.ref('bulk', `b${a}`, { askTimeoutMs: 60_000 }).ask('done')) as number;
        return done;
      };
      const stats = await client.admin.workers();
      const bulkTurns = stats.find((w) => w.types.includes('bulk'))!.turnsSucceeded;
      assert.ok(
        bulkTurns < JOBS,
        `the Bulk backlog was already done (${bulkTurns} turns) when Critical answered`,
      );
      assert.equal(await bulkDone(), JOBS);
      assert.deepEqual(await client.deadLetters.list(), []);
      // each worker holds only its pool's partitions (as its heartbeat reports them)
      let workers = await client.admin.workers();
      await waitFor('both workers to report their partitions', async () => {
        workers = await client.admin.workers();
        return workers.length === 2 && workers.every((w) => w.partitions.length === 64);
      });
      const bulkParts = new Set(workers.find((w) => w.types.includes('bulk'))!.partitions);
      for (const p of workers.find((w) => w.types.includes('critical'))!.partitions) {
        assert.ok(!bulkParts.has(p), `partition ${p} held by both`);
      }
    } finally {
      await client.close();
      await Promise.all([bulkWorker.terminate(), criticalWorker.terminate()]);
    }
  });

  it('a worker serving high,low at concurrency 1 runs mail that arrives in high before the rest of a low backlog', async () => {
    const ns = uniqueNamespace('priority');
    const worker = await spawnWorker(redis.url, ns, './test/fixtures/pools/ranked.ts', [
      '-c',
      '1',
      '--pools',
      'high,low',
    ]);
    const client = await connect({ redis: redis.url, namespace: ns, actors: [High, Low] });
    try {
      const LOWS = 40;
      await Promise.all(
        Array.from({ length: LOWS }, (_, i) => client.ref(Low, `l${i}`).tell('run', `low-${i}`, 30)),
      );
      await waitFor('the low backlog to start', () => worker.output().includes('RAN low-'));
      assert.equal(await client.ref(High, 'h').ask('run', 'high', 0), 1);
      await waitFor(
        'the low backlog to finish',
        () => (worker.output().match(/RAN low-/g) ?? []).length === LOWS,
      );
      const order = [...worker.output().matchAll(/RAN (\S+)/g)].map((m) => m[1]);
      const at = order.indexOf('high');
      // claimed at most one low batch ahead of it (concurrency 1 claims one ahead)
      const lowsBefore = order.slice(0, at).length;
      const lowsAfter = order.length - at - 1;
      assert.ok(
        lowsAfter >= LOWS / 2,
        `high ran after ${lowsBefore} lows, with only ${lowsAfter} left: ${order.join(' ')}`,
      );
      assert.match(worker.output(), /"msg":"worker ready"/);
    } finally {
      await client.close();
      await worker.terminate();
    }
  });

  it('a worker forwards mail sent to the default pool before its type was placed in another', async () => {
    const ns = uniqueNamespace('forward');
    // a sender that looked the type up before any worker placed it routes it to the default pool
    const sender = await connect({ redis: redis.url, namespace: ns, partitions: 2 });
    await sender.ref('critical', 'early').tell('ping');
    const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Counter, Critical] });
    const worker = await troupe.work({ leaseMs: 2000 });
    const committed: number[] = [];
    worker.on('committed', (p, turns) => {
      if (turns.some((t) => t.actor === 'critical/early')) committed.push(p);
    });
    try {
      await waitFor(
        'the forwarded ping',
        async () => (await troupe.ref(Critical, 'early').read()).pings === 1,
      );
      // the event follows the commit's reply, which can come after a read of its result
      await waitFor('both commits reported', () => committed.length >= 2);
      // moved (one commit in the default pool's partition), then run in critical's (after 0..1)
      assert.equal(committed.length, 2, String(committed));
      assert.ok(committed[0]! < 2 && committed[1]! >= 2, String(committed));
      assert.deepEqual(await troupe.deadLetters.list(), []);
    } finally {
      await worker.stop();
      await troupe.close();
      await sender.close();
    }
  });

  it('a worker process dead-letters messages that waited past their time to live as expired, and never applies them', async () => {
    const ns = uniqueNamespace('expiry');
    const worker = await spawnWorker(redis.url, ns, './test/fixtures/pools/ranked.ts', ['-c', '1']);
    const client = await connect({ redis: redis.url, namespace: ns, actors: [High, Low] });
    try {
      // one at a time, 300 ms each: whatever waits behind the first turn is 200 ms late
      const MESSAGES = 5;
      await Promise.all(
        Array.from({ length: MESSAGES }, (_, i) =>
          client.ref(Low, `t${i}`, { messageTtlMs: 200 }).tell('run', `ttl-${i}`, 300),
        ),
      );
      let dead: Awaited<ReturnType<typeof client.deadLetters.list>> = [];
      let ran: string[] = [];
      await waitFor('every message run or dead-lettered', async () => {
        dead = await client.deadLetters.list();
        ran = [...worker.output().matchAll(/RAN (ttl-\d+)/g)].map((m) => m[1]!);
        return dead.length + ran.length === MESSAGES;
      });
      assert.ok(dead.length >= MESSAGES - 1, `${dead.length} expired, ${ran.join(' ')} ran`);
      for (const d of dead) {
        assert.equal(d.reason, 'expired');
        assert.match(d.error, /not started within its time to live of 200 ms/);
        // never applied: its actor's context is untouched
        const id = d.actor.slice('low/'.length);
        assert.equal((await client.ref(Low, id).read()).runs, 0);
        assert.ok(!ran.includes(`ttl-${id.slice(1)}`));
      }
    } finally {
      await client.close();
      await worker.terminate();
    }
  });

  it('says at start when a served pool has none of the worker’s classes', async () => {
    const ns = uniqueNamespace('lacking');
    const worker = await spawnWorker(redis.url, ns, './test/fixtures/pools/critical.ts', [
      '--pools',
      'critical,bulk',
    ]);
    try {
      const [line] = worker.logs(
        'pool "bulk" is served by this worker, but none of its actor classes lives there (loaded: critical (critical)); its messages would be dead-lettered as unknown-type: load that pool\'s classes, or leave "bulk" out of pools',
      );
      assert.equal(line?.pool, 'bulk');
    } finally {
      await worker.terminate();
    }
  });
});

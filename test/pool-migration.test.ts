import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ConfigError, connect } from '../src/index.ts';
import { Keys } from '../src/redis/keys.ts';
import { moveList } from '../src/redis/pool-migration.ts';
import { Payment } from './fixtures/pools/payment.ts';
import { Payment as CriticalPayment } from './fixtures/pools/payment-critical.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker } from './helpers/worker-process.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const IDS = Array.from({ length: 10 }, (_, i) => `p${i}`);

/** Keys of partitions 0..3 (the default pool here) that hold anything of a payment actor. */
async function paymentKeysInDefaultPool(ns: string): Promise<string[]> {
  const found: string[] = [];
  for (let p = 0; p < 4; p++) {
    found.push(...(await redis.client().keys(`{troupe:${ns}:${p}}:*payment/*`)));
    found.push(...(await redis.client().keys(`{troupe:${ns}:${p}}:dir:payment:*`)));
    found.push(...(await redis.client().keys(`{troupe:${ns}:${p}}:ix:payment:*`)));
    if (await redis.client().hexists(`{troupe:${ns}:${p}}:dir-count`, 'payment'))
      found.push(`dir-count ${p}`);
    for (const bucket of await redis.client().keys(`{troupe:${ns}:${p}}:logs:*`)) {
      const fields = await redis.client().hkeys(bucket);
      found.push(...fields.filter((f) => f.startsWith('payment/')).map((f) => `${bucket} ${f}`));
    }
  }
  return found;
}

it('a namespace written before pools works after `troupe migrate --actors` moves a type to the pool its class names', async (t) => {
  const ns = uniqueNamespace('prepools');
  const meta = `troupe:${ns}:meta`;
  // written as a version before pools would: every type in the default pool, nothing recorded
  const old = await connect({ redis: redis.url, namespace: ns, actors: [Payment], partitions: 4 });
  t.after(() => old.close());
  const first = await old.work({ leaseMs: 2000, idleMs: 100 });
  for (const [i, id] of IDS.entries()) assert.equal(await old.ref(Payment, id).ask('pay', i), null);
  // idle actors' logs go to their log buckets: the move must carry those too
  await waitFor('logs stowed', async () =>
    (await paymentKeysInDefaultPool(ns)).some((k) => k.includes(':logs:')),
  );
  await first.stop();
  // mail waiting with no worker, and a timer
  for (const [i, id] of IDS.entries()) await old.ref(Payment, id).tell('pay', 100 + i);
  await old.ref(Payment, 'p0').tellLater(300, 'pay', 1000);
  await old.close();
  await redis.client().hset(meta, 'layout', 2);
  await redis.client().hdel(meta, 'type:payment');

  // the class now names pool critical: workers and senders refuse until the type is moved
  const early = await connect({ redis: redis.url, namespace: ns, actors: [CriticalPayment] });
  t.after(() => early.close());
  const fix = new RegExp(`predates pools.*troupe -n ${ns} migrate --actors`);
  // a worker stops first at the older layout, naming the same command
  const layoutFix = new RegExp(`layout 2, by an older Troupe.*troupe -n ${ns} migrate`);
  await assert.rejects(early.work(), (err) => err instanceof ConfigError && layoutFix.test(err.message));
  await assert.rejects(early.ref(CriticalPayment, 'p1').tell('pay', 5), fix);
  await early.close();

  const migrate = () =>
    runCli(['-r', redis.url, '-n', ns, 'migrate', '--actors', './test/fixtures/pools/payment-critical.ts']);
  // moving needs every worker stopped: a live worker's registry entry (here without the worker,
  // so the mail stays put) stops it
  const workers = `troupe:${ns}:workers`;
  await redis.client().zadd(workers, Date.now() + 60_000, 'ghost');
  const refused = await migrate();
  assert.equal(refused.code, 2, refused.stdout);
  assert.match(refused.stderr, /1 worker\(s\) of namespace .* are running \(ghost\): stop every worker/);
  await redis.client().zrem(workers, 'ghost');
  const run = await migrate();
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /moved type payment from pool default to pool critical: 10 actor\(s\), 10 message\(s\) waiting/,
  );
  assert.deepEqual(await paymentKeysInDefaultPool(ns), []);
  // the directory and the index moved with the actors, before any worker ran
  const moved = await connect({ redis: redis.url, namespace: ns, actors: [CriticalPayment] });
  const listed: string[] = [];
  for await (const id of moved.actors(CriticalPayment).ids()) listed.push(id);
  assert.deepEqual(listed.sort(), [...IDS].sort());
  assert.equal(await moved.actors(CriticalPayment).count(), IDS.length);
  assert.equal(await moved.actors(CriticalPayment).count({ where: { payments: 1 } }), IDS.length);
  await moved.close();

  // a worker process of the new class runs what waited, in the critical pool's partitions
  const worker = await spawnWorker(redis.url, ns, './test/fixtures/pools/payment-critical.ts');
  const troupe = await connect({ redis: redis.url, namespace: ns, actors: [CriticalPayment] });
  try {
    for (const [i, id] of IDS.entries()) {
      const want = id === 'p0' ? [i, 100 + i, 1000] : [i, 100 + i];
      await waitFor(`${id} paid`, async () => {
        const paid = await troupe.ref(CriticalPayment, id).ask('paid');
        return JSON.stringify(paid) === JSON.stringify(want);
      });
    }
    // it serves pool critical only: partitions after the default pool's 0..3
    let held: number[] = [];
    await waitFor('its heartbeat to report its partitions', async () => {
      held = (await troupe.admin.workers())[0]?.partitions ?? [];
      return held.length === 64;
    });
    assert.ok(
      held.every((p) => p >= 4),
      String(held),
    );
    assert.equal(await troupe.actors(CriticalPayment).count({ where: { payments: 3 } }), 1);
    assert.equal(await troupe.actors(CriticalPayment).count({ where: { payments: 2 } }), IDS.length - 1);
    const again = await migrate();
    // nothing left to move, so the running worker is no obstacle
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already in their pools: payment/);
    assert.deepEqual(await troupe.deadLetters.list(), []);
  } finally {
    await troupe.close();
    await worker.terminate();
  }
});

it('a list move stopped between its push and its trim is finished by the next run, without a copy twice', async () => {
  const keys = new Keys(uniqueNamespace('move'));
  const c = redis.client();
  const from = { p: 1, key: keys.mailbox(1, 'payment/x') };
  const to = { p: 70, key: keys.mailbox(70, 'payment/x') };
  const mail = Array.from({ length: 2_500 }, (_, i) => `m${i}`);
  // the first batch of 1,000 was pushed with its note, then the run stopped before trimming it
  await c.rpush(from.key, ...mail);
  await c.rpush(to.key, 'new-1', ...mail.slice(0, 1_000));
  await c.hset(keys.moving(70), `in:${from.key}`, '1 1000');
  assert.equal(await moveList(c, keys, from, to), 2_500);
  assert.deepEqual(await c.lrange(to.key, 0, -1), ['new-1', ...mail]);
  assert.equal(await c.exists(from.key, keys.moving(1), keys.moving(70)), 0, 'source and journals gone');
  // stopped after a trim: the notes agree, and the run goes on from there
  await c.rpush(from.key, 'a', 'b');
  await c.hset(keys.moving(1), `out:${from.key}`, '3');
  await c.hset(keys.moving(70), `in:${from.key}`, '3 1000');
  assert.equal(await moveList(c, keys, from, to), 2);
  assert.deepEqual(await c.lrange(to.key, -3, -1), ['m2499', 'a', 'b']);
  assert.equal(await c.exists(from.key, keys.moving(1), keys.moving(70)), 0);
});

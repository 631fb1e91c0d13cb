// admin.info().types: each type's actors, mail, dead letters and turn-time percentiles, as the
// dashboard and `troupe info` show them; and the histogram workers publish for it.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { TURN_MS_BOUNDS, type Troupe, type TypeInfo, type Worker } from '../src/index.ts';
import { turnBucketOf, turnQuantile } from '../src/protocol/turn-times.ts';
import { Flaky } from './fixtures/failing-actors.ts';
import { Order } from './fixtures/orders.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { freshSystem } from './helpers/system.ts';
import { waitFor } from './helpers/wait.ts';

/** The type's entry in admin.info() once `ready` holds for it. */
async function typeWhen(type: string, what: string, ready: (t: TypeInfo) => boolean): Promise<TypeInfo> {
  let found: TypeInfo | undefined;
  await waitFor(what, async () => {
    found = (await troupe.admin.info()).types.find((t) => t.type === type);
    return found !== undefined && ready(found);
  });
  return found!;
}

let redis: TestRedis;
let troupe: Troupe;
let worker: Worker;

before(async () => {
  redis = await startRedis();
  ({ troupe } = await freshSystem(redis.url, [Order, Flaky], 8));
  worker = await troupe.work({ name: 'types-w1' });
});

after(async () => {
  await worker.stop();
  await troupe.close();
  await redis.stop();
});

it('buckets durations by their upper bounds and reads quantiles back', () => {
  assert.equal(turnBucketOf(0), 0);
  assert.equal(turnBucketOf(0.5), 0);
  assert.equal(turnBucketOf(0.6), 1);
  assert.equal(turnBucketOf(1e9), TURN_MS_BOUNDS.length);
  const counts = new Array<number>(TURN_MS_BOUNDS.length + 1).fill(0);
  assert.equal(turnQuantile(counts, 0.5), null);
  counts[turnBucketOf(3)] = 98; // ≤ 5 ms
  counts[turnBucketOf(400)] = 2; // ≤ 500 ms
  assert.equal(turnQuantile(counts, 0.5), 5);
  assert.equal(turnQuantile(counts, 0.98), 5);
  assert.equal(turnQuantile(counts, 0.99), 500);
});

it('reports per type the actors, dead letters, indexes and turn times of live workers', async () => {
  for (let i = 0; i < 5; i++) await troupe.ref(Order, `o-${i}`).ask('set', { status: 'new', total: i });
  await troupe.ref(Flaky, 'f-1').tell('refuse', 1);
  await troupe.ref(Flaky, 'f-2').ask('record', 2);
  await waitFor('the dead letter', async () => (await troupe.deadLetters.list()).length === 1);
  // the counts reach the registry with the next heartbeat
  const order = await typeWhen('order', 'the turns in the registry', (t) => t.turns >= 5);
  assert.equal(order.actors, 5);
  assert.equal(order.mailbox, 0);
  assert.equal(order.deadLetters, 0);
  assert.equal(order.paused, false);
  assert.deepEqual(order.workers, ['types-w1']);
  assert.deepEqual(order.indexes, ['region', 'status', 'total', 'vip']);
  assert.ok(order.turnMs, 'percentiles once turns ran');
  assert.ok(TURN_MS_BOUNDS.includes(order.turnMs.p50));
  assert.ok(order.turnMs.p50 <= order.turnMs.p90 && order.turnMs.p90 <= order.turnMs.p99);

  const info = await troupe.admin.info();
  const flaky = info.types.find((t) => t.type === 'flaky')!;
  assert.equal(flaky.deadLetters, 1);
  assert.ok(flaky.actors >= 1, 'f-2 committed a turn');
  assert.deepEqual(
    info.types.map((t) => t.type),
    ['flaky', 'order'],
  );
});

it('counts mail waiting per type while the type is paused', async () => {
  await troupe.admin.pause('order');
  for (let i = 0; i < 3; i++) await troupe.ref(Order, 'o-0').tell('set', { total: 10 + i });
  const order = await typeWhen('order', 'three messages waiting', (t) => t.mailbox === 3);
  assert.equal(order.paused, true);
  assert.equal(order.actorsWithMail, 1);
  await troupe.admin.resume('order');
  await typeWhen('order', 'the mail run', (t) => t.mailbox === 0);
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ConfigError, connect } from '../src/index.ts';
import { Counter, Ledger } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

it('a repeated id is accepted once: the actor applies it once, later messages still apply', async () => {
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace(),
    actors: [Counter],
    partitions: 4,
  });
  const c = troupe.ref(Counter, 'c-1');
  assert.equal(await c.tellOnce({ id: 'evt-1' }, 'add', 5), true);
  assert.equal(await c.tellOnce({ id: 'evt-1' }, 'add', 5), false, 'the repeat is dropped');
  assert.equal(await c.tellOnce({ id: 'evt-2' }, 'add', 7), true, 'another id is its own message');
  await troupe.work({ leaseMs: 2000 });
  await c.tell('add', 100);
  await waitFor('all applied', async () => (await c.read()).count === 112);
  assert.equal(await c.tellOnce({ id: 'evt-1' }, 'add', 5), false, 'still a repeat after it was handled');
  assert.equal(await c.ask('value'), 112);
  await troupe.close();
});

it('a repeat after the window is a new message', async () => {
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace(),
    actors: [Counter],
    partitions: 4,
  });
  const c = troupe.ref(Counter, 'c-2');
  assert.equal(await c.tellOnce({ id: 'evt', dedupeMs: 100 }, 'add', 1), true);
  await waitFor(
    'the mark expired',
    async () => (await c.tellOnce({ id: 'evt', dedupeMs: 100 }, 'add', 1)) === true,
  );
  await troupe.work({ leaseMs: 2000 });
  await waitFor('both applied', async () => (await c.read()).count === 2);
  await troupe.close();
});

it('refuses a bad id or window before sending', async () => {
  const ns = uniqueNamespace();
  const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Counter] });
  const c = troupe.ref(Counter, 'c-3');
  await assert.rejects(c.tellOnce({ id: '' }, 'add', 1), ConfigError);
  await assert.rejects(c.tellOnce({ id: 'a\0b' }, 'add', 1), ConfigError);
  await assert.rejects(c.tellOnce({ id: 'x'.repeat(201) }, 'add', 1), ConfigError);
  await assert.rejects(c.tellOnce({ id: 'ok', dedupeMs: 0 }, 'add', 1), /dedupeMs/);
  const keys = await redis.client().keys(`*${ns}*`);
  assert.deepEqual(keys, [`troupe:${ns}:meta`], 'only the namespace meta key exists: nothing was sent');
  await troupe.close();
});

it("keeps its place among the same client's tells: one actor's mail stays in the order sent", async (t) => {
  const troupe = await connect({ redis: redis.url, namespace: uniqueNamespace(), actors: [Ledger] });
  t.after(() => troupe.close());
  await troupe.work({ leaseMs: 2_000 });
  const ledger = troupe.ref(Ledger, 'l-1');
  // all in one tick: tells are coalesced into one call, a tellOnce is a call of its own
  await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      i % 3 === 2
        ? ledger.tellOnce({ id: `m-${i + 1}` }, 'record', 's', i + 1)
        : ledger.tell('record', 's', i + 1),
    ),
  );
  await waitFor('30 records', async () => (await ledger.read()).count === 30);
  const l = await ledger.read();
  assert.deepEqual([l.dupes, l.gaps], [0, 0], 'each record once, in the order sent');
});

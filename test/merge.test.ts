import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { connect, type Clock } from '../src/index.ts';
import { encodeSegment } from '../src/protocol/log.ts';
import { MERGE_ON_IDLE_MIN } from '../src/runtime/actor-upkeep.ts';
import { commitMerge, mergeActor, MergeLock, planMerge } from '../src/runtime/merge.ts';
import { Counter, History, Tape } from './fixtures/actors.ts';
import { at, entryOf, logShape, mergeDeps } from './helpers/merging.ts';
import { Holder } from './fixtures/slow-actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { systemForTest } from './helpers/system.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);

describe('merge lock', () => {
  it('expires when its holder died, and the next merge proceeds', async () => {
    const troupe = await connect({
      redis: redis.url,
      namespace: uniqueNamespace(),
      actors: [Tape],
      partitions: 4,
    });
    await troupe.work({ leaseMs: 2000 });
    const tape = troupe.ref(Tape, 'dead-holder');
    for (const n of range(10)) await tape.tell('push', n);
    await waitFor('appended', async () => (await tape.read()).items.length === 10);

    const deps = mergeDeps(redis.client(), troupe, 300);
    const where = at(troupe, 'tape', 'dead-holder');
    const dead = await MergeLock.take(deps, where); // taken and never released: its holder "died"
    assert.ok(dead);
    assert.equal((await mergeActor(deps, where, entryOf(Tape))).status, 'locked');
    await waitFor(
      'lock expired',
      async () => (await mergeActor(deps, where, entryOf(Tape))).status === 'merged',
    );
    assert.deepEqual((await tape.read()).items, range(10));
    assert.equal(
      await redis.client().llen(troupe.keys.log(where.p, where.akey)),
      1,
      'only the new base is left',
    );
    await troupe.close();
  });

  it('refuses to let a holder whose lock expired trim anything, or release the next holder', async () => {
    const troupe = await connect({
      redis: redis.url,
      namespace: uniqueNamespace(),
      actors: [Tape],
      partitions: 4,
    });
    const worker = await troupe.work({ leaseMs: 2000 });
    const tape = troupe.ref(Tape, 'slow-merger');
    for (const n of range(8)) await tape.tell('push', n);
    await waitFor('appended', async () => (await tape.read()).items.length === 8);

    const where = at(troupe, 'tape', 'slow-merger');
    const slow = mergeDeps(redis.client(), troupe, 200);
    const lockA = (await MergeLock.take(slow, where))!;
    const planA = (await planMerge(slow, where, entryOf(Tape)))!;
    await waitFor(
      'A lock expired',
      async () => (await redis.client().exists(troupe.keys.lock(where.p, where.akey))) === 0,
    );

    const fast = mergeDeps(redis.client(), troupe, 5_000);
    const lockB = (await MergeLock.take(fast, where))!;
    assert.equal(await lockA.release(), false, 'A cannot release B');
    const res = await commitMerge(slow, where, lockA, planA);
    assert.deepEqual(res, { ok: false, reason: 'lock-lost' });
    const shape = await logShape(redis.client(), troupe, where);
    assert.equal(shape.stowed + shape.list, 9, 'A trimmed nothing');
    assert.equal(await lockB.release(), true);
    assert.deepEqual((await tape.read()).items, range(8));
    await worker.stop();
    await troupe.close();
  });
});

describe('context log', () => {
  it('stays under a fixed memory bound through 30,000 appends to one actor', async () => {
    const troupe = await connect({
      redis: redis.url,
      namespace: uniqueNamespace(),
      actors: [Counter],
      partitions: 4,
    });
    const worker = await troupe.work({ leaseMs: 5000, batchSize: 64 });
    const client = redis.client();
    const where = at(troupe, 'counter', 'long');
    const keys = [troupe.keys.log(where.p, where.akey), troupe.keys.history(where.p, where.akey)];
    const counter = troupe.ref(Counter, 'long');
    const samples: number[] = [];
    for (let wave = 1; wave <= 30; wave++) {
      await Promise.all(range(1000).map(() => counter.tell('add', 1)));
      await waitFor('wave applied', async () => (await counter.read()).count === wave * 1000, 60_000);
      let bytes = 0;
      for (const key of keys) bytes += Number((await client.memory('USAGE', key)) ?? 0);
      samples.push(bytes);
    }
    assert.equal((await counter.read()).count, 30_000);
    // default policy: merge at 256 segments; commits that land while a merge runs add a few batches
    const bound = 32 * 1024;
    assert.ok(
      samples.every((b) => b < bound),
      `memory of the actor's log after each 1,000 appends: ${samples.join(', ')} (bound ${bound})`,
    );
    const segmentBytes = (await client.lrangeBuffer(keys[0]!, 1, 1))[0]?.length ?? 15;
    assert.ok(30_000 * segmentBytes > 10 * bound, 'without merging the log would be far past the bound');
    assert.ok(worker.stats().merges > 0);
    await troupe.close();
  });
});

describe('when merges run', () => {
  it('merges the log of an actor when it is deactivated', async (t) => {
    const { troupe } = await systemForTest(t, redis.url, [Tape], 4);
    const worker = await troupe.work({ leaseMs: 2000, idleMs: 300 });
    const tape = troupe.ref(Tape, 'idle');
    const n = MERGE_ON_IDLE_MIN;
    for (const i of range(n - 1)) await tape.tell('push', i);
    await tape.ask('push', n);
    const where = at(troupe, 'tape', 'idle');
    const shape = await logShape(redis.client(), troupe, where);
    assert.equal(shape.stowed + shape.list, n + 1, `below the type's threshold: base + ${n} segments`);
    // merged into one base, and stowed in the log bucket with its key gone
    const merged = { stowed: 1, list: 0 };
    await waitFor('merged on deactivation', async () =>
      isDeepStrictEqual(await logShape(redis.client(), troupe, where), merged),
    );
    assert.deepEqual((await tape.read()).items, range(n));
    assert.equal(worker.stats().activeActors, 0);
  });

  it('stows a short log unmerged when its actor is deactivated (a merge would cost more than it saves)', async (t) => {
    const { troupe } = await systemForTest(t, redis.url, [Tape], 4);
    const worker = await troupe.work({ leaseMs: 2000, idleMs: 100 });
    const tape = troupe.ref(Tape, 'short');
    await tape.tell('push', 1);
    await tape.ask('push', 2);
    await waitFor('deactivated', () => worker.stats().activeActors === 0);
    // the sweep that dropped it would have queued the merge by now; give one a chance to run
    await new Promise((r) => setTimeout(r, 300));
    const where = at(troupe, 'tape', 'short');
    assert.deepEqual(
      await logShape(redis.client(), troupe, where),
      { stowed: 3, list: 0 },
      'base + 2 segments, stowed',
    );
    assert.equal(worker.stats().merges, 0);
    // activated again from the stowed entries, with the claim's log; the new segment goes to the list
    await tape.ask('push', 3);
    assert.deepEqual((await tape.read()).items, [1, 2, 3]);
    await waitFor('deactivated and stowed again', async () =>
      isDeepStrictEqual(await logShape(redis.client(), troupe, where), { stowed: 4, list: 0 }),
    );
    assert.deepEqual((await tape.read()).items, [1, 2, 3]);
  });

  it('merges the log of an actor swept as idle while its last turn was still committing', async (t) => {
    const { troupe } = await systemForTest(t, redis.url, [Holder], 4);
    // the turn outlasts idleMs, so the idle sweep drops the actor before its commit lands
    await troupe.work({ leaseMs: 2000, idleMs: 100 });
    const holder = troupe.ref(Holder, 'slow');
    // long enough a log to be merged on deactivation
    for (let i = 0; i < MERGE_ON_IDLE_MIN; i++) await holder.tell('add', 1);
    await holder.tell('hold', 1, 800);
    const where = at(troupe, 'holder', 'slow');
    const total = MERGE_ON_IDLE_MIN + 1;
    await waitFor('committed', async () => (await holder.read()).count === total);
    await waitFor('merged after all', async () =>
      isDeepStrictEqual(await logShape(redis.client(), troupe, where), { stowed: 1, list: 0 }),
    );
    assert.equal((await holder.read()).count, total);
  });

  it('has the partition owner merge logs that commits flagged as long, e.g. after their worker died', async (t) => {
    const { troupe } = await systemForTest(t, redis.url, [Tape], 4);
    const where = at(troupe, 'tape', 'orphan');
    const log = troupe.keys.log(where.p, where.akey);
    // a long log left behind, flagged by its last commit, with no worker holding the actor
    const client = redis.client();
    await client.rpush(log, '', ...range(50).map((n) => encodeSegment(n, 1000 + n, { n })));
    await client.sadd(troupe.keys.mergeDue(where.p), where.akey);
    const worker = await troupe.work({ leaseMs: 600 });
    await waitFor('swept and merged', async () =>
      isDeepStrictEqual(await logShape(client, troupe, where), { stowed: 1, list: 0 }),
    );
    assert.deepEqual((await troupe.ref(Tape, 'orphan').read()).items, range(50));
    assert.equal(worker.stats().segmentsMerged, 50);
  });
});

describe('time travel', () => {
  it('reads the context as of a past time, through merged history kept by retainMs', async () => {
    let now = 1_000_000;
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    const troupe = await connect({
      redis: redis.url,
      namespace: uniqueNamespace(),
      actors: [History, Tape],
      partitions: 4,
      clock,
    });
    const worker = await troupe.work({ leaseMs: 2000 });
    const h = troupe.ref(History, 'h');
    for (const n of range(12)) {
      now = 1_000_000 + n * 1000;
      await h.ask('push', n);
    }
    const deps = { ...mergeDeps(redis.client(), troupe), now: () => now };
    await mergeActor(deps, at(troupe, 'history', 'h'), entryOf(History));
    assert.deepEqual((await h.read()).items, range(12));
    assert.deepEqual((await h.read({ at: 1_000_000 + 5500 })).items, range(5));
    assert.deepEqual((await h.read({ at: 1_000_000 + 1000 })).items, [1]);
    assert.deepEqual((await h.read({ at: 1 })).items, []);

    // without retention, looking back past the base is an error that says what to set
    const t = troupe.ref(Tape, 't');
    for (const n of range(3)) {
      now = 2_000_000 + n * 1000;
      await t.ask('push', n);
    }
    await mergeActor(deps, at(troupe, 'tape', 't'), entryOf(Tape));
    assert.deepEqual((await t.read({ at: 2_000_000 + 3000 })).items, range(3));
    await assert.rejects(t.read({ at: 2_000_000 + 1500 }), /retainMs/);
    await worker.stop();
    await troupe.close();
  });
});

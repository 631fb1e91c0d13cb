import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect } from '../src/index.ts';
import { commitMerge, mergeActor, MergeLock, planMerge, type MergeDeps } from '../src/runtime/merge.ts';
import { History, Tape } from './fixtures/actors.ts';
import { at, entryOf, mergeDeps } from './helpers/merging.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { prng } from './helpers/random.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

/** A merger that dies after `step` steps: its lock is left to expire, nothing is released. */
async function crashingMerge(deps: MergeDeps, where: ReturnType<typeof at>, cls: typeof Tape, step: number) {
  const lock = await MergeLock.take(deps, where);
  if (!lock || step === 0) return;
  const plan = await planMerge(deps, where, entryOf(cls));
  if (!plan || step === 1) return;
  await commitMerge(deps, where, lock, plan, {
    retain: cls.merge?.retainMs !== undefined && cls.merge.retainMs > 0,
  });
}

function isPrefix(items: number[]): boolean {
  return items.every((n, i) => n === i + 1);
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  it(`folds every committed segment exactly once under random appends, racing and crashing mergers, and reads (seed ${seed})`, async () => {
    const rand = prng(seed);
    const cls = seed % 2 === 0 ? History : Tape;
    const troupe = await connect({
      redis: redis.url,
      namespace: uniqueNamespace(),
      actors: [cls],
      partitions: 4,
    });
    const worker = await troupe.work({ leaseMs: 3000, batchSize: 1 + Math.floor(rand() * 16) });
    const id = `p${seed}`;
    const ref = troupe.ref(cls, id);
    const where = at(troupe, cls.type, id);
    const mergers = [mergeDeps(redis.client(), troupe, 150, 7), mergeDeps(redis.client(), troupe, 150, 50)];
    const background: Promise<unknown>[] = [];
    let sent = 0;
    let reads = 0;

    for (let op = 0; op < 250; op++) {
      const r = rand();
      if (r < 0.45) {
        const burst = 1 + Math.floor(rand() * 8);
        const tells: Promise<void>[] = [];
        for (let k = 0; k < burst; k++) tells.push(ref.tell('push', ++sent));
        await Promise.all(tells);
      } else if (r < 0.6) {
        // two mergers racing on the same actor
        background.push(
          mergeActor(mergers[0]!, where, entryOf(cls)),
          mergeActor(mergers[1]!, where, entryOf(cls)),
        );
      } else if (r < 0.7) {
        background.push(crashingMerge(mergers[Math.floor(rand() * 2)]!, where, cls, Math.floor(rand() * 3)));
      } else if (r < 0.95) {
        const items = (await ref.read()).items;
        reads++;
        assert.ok(isPrefix(items), `seed ${seed}, op ${op}: read gave ${items.slice(0, 40).join(',')}…`);
        assert.ok(items.length <= sent);
      } else {
        await new Promise((res) => setTimeout(res, rand() * 40));
      }
    }
    await Promise.all(background);
    await waitFor('every segment committed', async () => (await ref.read()).items.length === sent);
    // merges after the dust settles must not change the fold either
    await waitFor(
      'crashed locks expired',
      async () => (await mergeActor(mergers[0]!, where, entryOf(cls))).status !== 'locked',
    );
    const items = (await ref.read()).items;
    assert.equal(items.length, sent);
    assert.ok(isPrefix(items), `seed ${seed}: final fold is 1..${sent} in order`);
    assert.ok(reads > 0);
    if (cls === History) {
      // the retained history folds to the same values
      assert.deepEqual((await ref.read({ at: Date.now() })).items, items);
    }
    await worker.stop();
    await troupe.close();
  });
}

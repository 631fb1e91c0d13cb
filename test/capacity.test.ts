import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Capacity } from '../src/runtime/capacity.ts';

describe('worker capacity', () => {
  it('runs at most `concurrency` batches while as many more wait, claimed ahead', () => {
    const c = new Capacity<string>(2);
    assert.equal(c.claimable(), 2);
    c.reserve(2);
    assert.equal(c.claimable(), 0, 'claims under way hold their capacity');
    for (const b of ['a', 'b']) c.claimed(b);
    c.unreserve(2);
    assert.equal(c.nextToRun(), 'a');
    assert.equal(c.nextToRun(), 'b');
    assert.equal(c.running, 2);
    assert.equal(c.claimable(), 2, 'running batches leave room to claim ahead');
    c.claimed('c');
    assert.equal(c.nextToRun(), undefined, 'no third turn while two run');
    c.ran();
    assert.equal(c.nextToRun(), 'c');
    assert.equal(c.inflight, 3);
  });

  it('stops claiming while too many batches wait for their commits', () => {
    const c = new Capacity<number>(1);
    for (let i = 0; i < 4; i++) {
      c.claimed(i);
      c.nextToRun();
      c.ran();
    }
    assert.equal(c.claimable(), 0, '4 x concurrency committing');
    c.ended(1);
    assert.equal(c.claimable(), 1);
  });

  it('is idle once every batch ended and no claim is under way', async () => {
    const c = new Capacity<string>(4);
    c.reserve(1);
    let idle = false;
    const waited = c.whenIdle().then(() => (idle = true));
    c.claimed('a');
    c.unreserve(1);
    await Promise.resolve();
    assert.equal(idle, false, 'a claimed batch is still to run');
    c.nextToRun();
    c.ran();
    c.ended(1);
    await waited;
    assert.equal(idle, true);
  });

  it('runs the waiting batch of the earliest pool first, skipping pools at their limit', () => {
    const rank = { high: 0, low: 1 } as const;
    let lowRunning = 0;
    const c = new Capacity<{ pool: keyof typeof rank; n: number }>(2, {
      rank: (b) => rank[b.pool],
      mayRun: (b) => b.pool !== 'low' || lowRunning < 1,
    });
    c.claimed({ pool: 'low', n: 1 });
    c.claimed({ pool: 'low', n: 2 });
    c.claimed({ pool: 'high', n: 3 });
    assert.deepEqual(c.nextToRun(), { pool: 'high', n: 3 }, 'high goes first though it came last');
    assert.deepEqual(c.nextToRun(), { pool: 'low', n: 1 }, 'then the oldest low');
    lowRunning = 1;
    c.ran();
    assert.equal(c.nextToRun(), undefined, 'low is at its limit of 1');
    lowRunning = 0;
    assert.deepEqual(c.nextToRun(), { pool: 'low', n: 2 });
  });
});

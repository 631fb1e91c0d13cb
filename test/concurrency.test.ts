import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Actor } from '../src/index.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { systemForTest } from './helpers/system.ts';
import { waitFor } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

/** Handlers that wait on a gate the test opens, counting how many wait at once. */
const gate = {
  running: 0,
  most: 0,
  open: false,
  waiters: [] as (() => void)[],
  release(): void {
    this.open = true;
    for (const w of this.waiters.splice(0)) w();
  },
};

class Slow extends Actor<{ done: number }, { done: 1 }> {
  static override type = 'slow';
  override initial() {
    return { done: 0 };
  }
  override apply(ctx: { done: number }) {
    return { done: ctx.done + 1 };
  }
  async work(): Promise<void> {
    gate.running++;
    gate.most = Math.max(gate.most, gate.running);
    if (!gate.open) await new Promise<void>((r) => gate.waiters.push(r));
    gate.running--;
    this.append({ done: 1 });
  }
}

describe('worker concurrency', () => {
  it('bounds the turns running at once, while more are claimed ahead and all run in the end', async (t) => {
    const { troupe } = await systemForTest(t, redis.url, [Slow], 8);
    const worker = await troupe.work({ concurrency: 2, leaseMs: 2000 });
    t.after(() => worker.stop());
    const refs = Array.from({ length: 12 }, (_, i) => troupe.ref(Slow, `s${i}`));
    await Promise.all(refs.map((r) => r.tell('work')));
    await waitFor('two turns waiting on the gate', () => gate.running === 2);
    // more mail is ready and claimed ahead, yet no third turn starts while two run
    await waitFor('claimed ahead', () => worker.stats().inflight > 2);
    assert.equal(gate.running, 2);
    assert.equal(worker.stats().running, 2);
    gate.release();
    await waitFor('every actor ran once', async () => {
      const ctxs = await Promise.all(refs.map((r) => r.read()));
      return ctxs.every((c) => c.done === 1);
    });
    assert.equal(gate.most, 2);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, HandlerError, TimeoutError, type Troupe } from '../src/index.ts';
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

async function system(partitions = 8): Promise<Troupe> {
  return connect({ redis: redis.url, namespace: uniqueNamespace(), actors: [Counter, Ledger], partitions });
}

describe('tell, ask and read', () => {
  it('applies told messages to the context and answers asks', async () => {
    const troupe = await system();
    const worker = await troupe.work({ concurrency: 8, leaseMs: 2000 });
    const c = troupe.ref(Counter, 'c-1');
    await c.tell('add', 5);
    await c.tell('add', 7);
    assert.equal(await c.ask('value'), 12);
    assert.deepEqual(await c.read(), { count: 12 });
    await worker.stop();
    await troupe.close();
  });

  it('keeps contexts of different actors apart and folds base + segments on read', async () => {
    const troupe = await system();
    const worker = await troupe.work({ leaseMs: 2000 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => troupe.ref(Counter, `a${i % 4}`).tell('add', i)));
    await waitFor(
      'all applied',
      async () => (await troupe.ref(Counter, 'a3').read()).count === 3 + 7 + 11 + 15 + 19,
    );
    assert.deepEqual(await troupe.ref(Counter, 'a0').read(), { count: 0 + 4 + 8 + 12 + 16 });
    await worker.stop();
    await troupe.close();
  });

  it('rejects an ask whose handler throws with HandlerError, and rolls the turn back', async () => {
    const troupe = await system();
    const worker = await troupe.work({ leaseMs: 2000 });
    const c = troupe.ref(Counter, 'f-1');
    await c.tell('add', 1);
    await assert.rejects(
      c.ask('fail', 'boom'),
      (err: unknown) => err instanceof HandlerError && /boom/.test(err.message),
    );
    assert.equal(await c.ask('value'), 1);
    await worker.stop();
    await troupe.close();
  });

  it('runs async handlers in mailbox order and returns their result', async () => {
    const troupe = await system();
    const worker = await troupe.work({ leaseMs: 2000 });
    const c = troupe.ref(Counter, 's-1');
    const answers = await Promise.all([
      c.ask('slowAdd', 1, 30),
      c.ask('slowAdd', 2, 1),
      c.ask('slowAdd', 3, 10),
    ]);
    assert.deepEqual(answers, [1, 3, 6]);
    await worker.stop();
    await troupe.close();
  });

  it('delivers sends between actors atomically with the turn', async () => {
    const troupe = await system();
    const worker = await troupe.work({ leaseMs: 2000 });
    await troupe.ref(Counter, 'from').tell('forward', 'to', 9);
    await waitFor('forwarded', async () => (await troupe.ref(Counter, 'to').read()).count === 9);
    await worker.stop();
    await troupe.close();
  });

  it('times out an ask when no worker runs, with a message that says what to do', async () => {
    const troupe = await connect({
      redis: redis.url,
      namespace: uniqueNamespace(),
      actors: [Counter],
      askTimeoutMs: 200,
    });
    await assert.rejects(troupe.ref(Counter, 'x').ask('value'), (err: unknown) => {
      return err instanceof TimeoutError && /troupe worker/.test(err.message);
    });
    await troupe.close();
  });

  it('handles messages queued before any worker started', async () => {
    const troupe = await system();
    for (let i = 1; i <= 50; i++) await troupe.ref(Ledger, 'early').tell('record', 's', i);
    const worker = await troupe.work({ leaseMs: 2000 });
    await waitFor('all recorded', async () => (await troupe.ref(Ledger, 'early').read()).count === 50);
    const ctx = await troupe.ref(Ledger, 'early').read();
    assert.equal(ctx.dupes, 0);
    assert.equal(ctx.gaps, 0);
    await worker.stop();
    await troupe.close();
  });

  it('deactivates idle actors and activates them again from base + segments', async () => {
    const troupe = await system();
    const worker = await troupe.work({ leaseMs: 2000, idleMs: 300 });
    const c = troupe.ref(Counter, 'idle-1');
    await c.tell('add', 4);
    assert.equal(await c.ask('value'), 4);
    assert.equal(worker.stats().activeActors, 1);
    await waitFor('deactivated', () => worker.stats().activeActors === 0);
    const activations = worker.stats().activations;
    assert.equal(await c.ask('value'), 4);
    assert.equal(worker.stats().activations, activations + 1, 'loaded again from Redis');
    await worker.stop();
    await troupe.close();
  });

  it('answers an ask that is dead-lettered (unknown method) with an error, not a timeout', async () => {
    const troupe = await connect({
      redis: redis.url,
      namespace: uniqueNamespace(),
      actors: [Counter],
      partitions: 8,
      askTimeoutMs: 20_000,
    });
    const worker = await troupe.work({ leaseMs: 2000 });
    await assert.rejects(troupe.ref('counter', 'u-1').ask('nope'), (err: unknown) => {
      return (
        err instanceof HandlerError && /unknown-method/.test(err.message) && /handlers: /.test(err.message)
      );
    });
    await worker.stop();
    await troupe.close();
  });

  it('reads 64-bit integers (as other languages encode them) as numbers', async () => {
    const troupe = await system();
    const worker = await troupe.work({ leaseMs: 2000 });
    const c = troupe.ref(Counter, 'big');
    // a BigInt is packed as MessagePack int64, as Python does for large ints
    await c.tell('add', (2n ** 40n) as unknown as number);
    assert.equal(await c.ask('value'), 2 ** 40);
    await worker.stop();
    await troupe.close();
  });
});

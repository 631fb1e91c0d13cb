import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect, HandlerError, partitionOf, type Troupe } from '../src/index.ts';
import { aborted, attemptsSeen, Flaky, Pauser, switches } from './fixtures/failing-actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

async function system(): Promise<Troupe> {
  return connect({ redis: redis.url, namespace: uniqueNamespace(), actors: [Flaky], partitions: 4 });
}

it('retries a failing handler with backoff until it succeeds, applying its turn once and keeping mailbox order', async () => {
  const troupe = await system();
  const worker = await troupe.work({ leaseMs: 2000 });
  const f = troupe.ref(Flaky, 'f-1');
  const answer = f.ask('flaky', 1, 2);
  await f.tell('record', 2);
  await f.tell('record', 3);
  assert.equal(await answer, 3, 'the ask gets the answer of the attempt that succeeded');
  await waitFor('all applied', async () => (await f.read()).items.length === 3);
  assert.deepEqual((await f.read()).items, [1, 2, 3], 'later mail waited for the retried message');
  assert.equal(worker.stats().retries, 2);
  assert.equal((await troupe.deadLetters.list()).length, 0);
  // the retry record goes with the attempt that succeeded, and none is written for later turns
  const client = redis.client();
  const p = partitionOf('flaky', 'f-1', troupe.partitions);
  assert.equal(await client.hget(troupe.keys.attempts(p), 'flaky/f-1'), null);
  client.disconnect();
  await troupe.close();
});

it('dead-letters a message after its last attempt with the attempt count, answers the ask, and moves on', async () => {
  const troupe = await system();
  await troupe.work({ leaseMs: 2000 });
  const f = troupe.ref(Flaky, 'f-2');
  await assert.rejects(
    f.ask('flaky', 1, 99),
    (err: unknown) => err instanceof HandlerError && /fails/.test(err.message),
  );
  await f.tell('record', 7);
  await waitFor('next applied', async () => (await f.read()).items.length === 1);
  assert.deepEqual((await f.read()).items, [7], 'the failed turn left nothing behind');
  const [dead] = await troupe.deadLetters.list();
  assert.equal(dead?.reason, 'handler-error');
  assert.equal(dead?.attempts, 4);
  assert.equal(attemptsSeen.get(dead.envelope!.id), 4);
  await troupe.close();
});

it('does not retry NonRetryableError, nor methods whose policy says one attempt', async () => {
  const troupe = await system();
  await troupe.work({ leaseMs: 2000 });
  const f = troupe.ref(Flaky, 'f-3');
  await assert.rejects(f.ask('refuse', 5), /not acceptable/);
  await assert.rejects(f.ask('once', 6), /once 6/);
  const dead = await troupe.deadLetters.list();
  assert.equal(dead.length, 2);
  for (const d of dead) {
    assert.equal(d.attempts, 1);
    assert.equal(attemptsSeen.get(d.envelope!.id), 1, `${d.envelope!.method} ran once`);
  }
  await troupe.close();
});

it('fails a handler that runs past timeoutMs, aborting its signal', async () => {
  const troupe = await system();
  await troupe.work({ leaseMs: 2000 });
  const f = troupe.ref(Flaky, 'f-4');
  await assert.rejects(f.ask('sleepy', 1), (err: unknown) => {
    return (
      err instanceof HandlerError && err.remoteName === 'HandlerTimeoutError' && /timeoutMs/.test(err.message)
    );
  });
  const [dead] = await troupe.deadLetters.list();
  assert.equal(dead?.attempts, 4, 'a timeout is retried like an error');
  assert.ok(aborted.has(dead.envelope!.id), 'the turn saw its signal abort');
  await f.tell('record', 2);
  await waitFor('next applied', async () => (await f.read()).items.length === 1);
  assert.deepEqual((await f.read()).items, [2], 'a late append from the timed-out turn is not committed');
  await troupe.close();
});

it("with onDeadLetter 'pause', holds the actor on its dead letter until an operator retries or purges it", async () => {
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace(),
    actors: [Pauser],
    partitions: 4,
  });
  await troupe.work({ leaseMs: 2000 });
  const client = redis.client();
  const mailboxLength = (id: string) => {
    const p = partitionOf('pauser', id, troupe.partitions);
    return client.llen(troupe.keys.mailbox(p, `pauser/${id}`));
  };
  switches.failing = true;
  for (const id of ['a', 'b']) {
    const ref = troupe.ref(Pauser, id);
    await assert.rejects(ref.ask('risky', 1), HandlerError);
    await ref.tell('record', 2);
    await ref.tell('record', 3);
  }
  const held = await troupe.deadLetters.list();
  assert.equal(held.length, 2);
  assert.ok(held.every((d) => d.held && d.attempts === 2));
  // paused: the failed message and the two after it are still waiting, nothing was applied
  assert.equal(await mailboxLength('a'), 3);
  assert.deepEqual((await troupe.ref(Pauser, 'a').read()).items, []);

  switches.failing = false;
  const byActor = new Map(held.map((d) => [d.actor, d.id]));
  assert.equal(await troupe.deadLetters.retry(byActor.get('pauser/a')!), 1);
  assert.equal(await troupe.deadLetters.purge(byActor.get('pauser/b')!), 1);
  await waitFor('a resumed', async () => (await troupe.ref(Pauser, 'a').read()).items.length === 3);
  await waitFor('b resumed', async () => (await troupe.ref(Pauser, 'b').read()).items.length === 2);
  assert.deepEqual((await troupe.ref(Pauser, 'a').read()).items, [1, 2, 3], 'retried in place, order kept');
  assert.deepEqual((await troupe.ref(Pauser, 'b').read()).items, [2, 3], 'purged message dropped');
  assert.equal((await troupe.deadLetters.list()).length, 0);
  await troupe.close();
});

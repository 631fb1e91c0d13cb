import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ActorClass, Troupe } from '../src/index.ts';
import { Counter } from './fixtures/actors.ts';
import { Flaky, Pauser, switches } from './fixtures/failing-actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { freshSystem } from './helpers/system.ts';
import { waitFor } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const PARTITIONS = 4;

async function system(actors: ActorClass[]): Promise<Troupe> {
  return (await freshSystem(redis.url, actors, PARTITIONS)).troupe;
}

/** Actors held for a paused type, over every partition. */
async function held(troupe: Troupe, type: string): Promise<string[]> {
  const admin = redis.client();
  const lists = await Promise.all(
    [...Array(PARTITIONS).keys()].map((p) => admin.lrange(troupe.keys.held(p, type), 0, -1)),
  );
  admin.disconnect();
  return lists.flat().sort();
}

it('delayed messages of a paused type fire into the mailbox and wait there until it is resumed', async () => {
  const troupe = await system([Flaky, Counter]);
  const worker = await troupe.work({ leaseMs: 600 });
  assert.deepEqual(await troupe.admin.pause('flaky'), [worker.id]);
  assert.deepEqual(worker.pausedTypes, ['flaky']);

  await troupe.ref(Flaky, 'later').tellLater(50, 'record', 5);
  await troupe.ref(Flaky, 'now').tell('record', 6);
  await waitFor('both flaky actors to be held', async () => (await held(troupe, 'flaky')).length === 2);
  assert.deepEqual(await held(troupe, 'flaky'), ['flaky/later', 'flaky/now']);
  // a type that is not paused runs meanwhile
  await troupe.ref(Counter, 'c').tell('add', 1);
  assert.equal(await troupe.ref(Counter, 'c').ask('value'), 1);
  assert.deepEqual((await troupe.ref(Flaky, 'later').read()).items, []);

  await troupe.admin.resume('flaky');
  assert.deepEqual(worker.pausedTypes, []);
  await waitFor(
    'the held actors to run',
    async () => (await troupe.ref(Flaky, 'later').read()).items.length > 0,
  );
  assert.deepEqual((await troupe.ref(Flaky, 'later').read()).items, [5]);
  await waitFor(
    'the other held actor to run',
    async () => (await troupe.ref(Flaky, 'now').read()).items.length > 0,
  );
  assert.deepEqual((await troupe.ref(Flaky, 'now').read()).items, [6]);
  assert.deepEqual(await held(troupe, 'flaky'), []);
  await worker.stop();
  await troupe.close();
});

it('a dead letter retried while its type is paused waits, held, and runs once resumed', async () => {
  const troupe = await system([Pauser]);
  const worker = await troupe.work({ leaseMs: 600 });
  switches.failing = true;
  await troupe.ref(Pauser, 'p').tell('risky', 1);
  await troupe.ref(Pauser, 'p').tell('record', 2);
  await waitFor(
    'the actor to pause on its dead letter',
    async () => (await troupe.deadLetters.list()).length === 1,
  );
  const [dead] = await troupe.deadLetters.list();

  await troupe.admin.pause('pauser');
  switches.failing = false;
  await troupe.deadLetters.retry(dead!.id);
  await waitFor('the actor to be held', async () => (await held(troupe, 'pauser')).length === 1);
  assert.deepEqual((await troupe.ref(Pauser, 'p').read()).items, []);

  await troupe.admin.resume('pauser');
  await waitFor(
    'both messages to run, in order',
    async () => (await troupe.ref(Pauser, 'p').read()).items.length === 2,
  );
  assert.deepEqual((await troupe.ref(Pauser, 'p').read()).items, [1, 2]);
  await worker.stop();
  await troupe.close();
});

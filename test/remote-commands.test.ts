import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { Keys } from '../src/redis/keys.ts';
import { partitionOf } from '../src/protocol/partition.ts';
import { Counter, Tape } from './fixtures/actors.ts';
import { Holder } from './fixtures/slow-actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { waitFor } from './helpers/wait.ts';
import { freshSystem } from './helpers/system.ts';
import { spawnWorker } from './helpers/worker-process.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const PARTITIONS = 4;
const cli = (ns: string, ...args: string[]) => runCli(['-r', redis.url, '-n', ns, ...args]);

it('troupe shutdown <worker> stops that worker process gracefully and waits until it has left', async () => {
  const { ns, troupe } = await freshSystem(redis.url, [Counter], PARTITIONS);
  const worker = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', ['--name', 'doomed']);
  await troupe.ref(Counter, 'a').tell('add', 3);
  assert.equal(await troupe.ref(Counter, 'a').ask('value'), 3);

  const unknown = await cli(ns, 'shutdown', 'nobody');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no live worker named "nobody" \(live: doomed\)/);

  const res = await cli(ns, 'shutdown', 'doomed');
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /worker doomed stopped/);
  assert.equal(await worker.exited(), 0, worker.output());
  assert.equal(worker.logs('shutdown requested over Redis: stopping gracefully').length, 1);
  assert.deepEqual(await troupe.admin.workers(), []);
  const admin = redis.client();
  const keys = new Keys(ns);
  for (let p = 0; p < PARTITIONS; p++) assert.equal(await admin.get(keys.owner(p)), null, 'leases released');
  admin.disconnect();
  await troupe.close();
});

it('troupe pause <type> holds that type’s mail while other types run; troupe resume lets it through', async () => {
  const { ns, troupe } = await freshSystem(redis.url, [Counter, Tape], PARTITIONS);
  const worker = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', ['--name', 'w1']);
  const paused = await cli(ns, 'pause', 'counter');
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /paused counter: applied by 1 worker/);
  assert.deepEqual((await troupe.admin.workers())[0]!.paused, ['counter']);
  assert.deepEqual(await troupe.admin.pausedTypes(), ['counter']);
  const typo = await cli(ns, 'pause', 'countr');
  assert.equal(typo.code, 0, typo.stderr);
  assert.match(typo.stderr, /no live worker runs actor type "countr" \(they run: counter, .*\); a typo\?/);
  assert.equal((await cli(ns, 'resume', 'countr')).code, 0);

  const counter = troupe.ref(Counter, 'held');
  for (let i = 0; i < 5; i++) await counter.tell('add', 1);
  // another type sent after it is handled: the worker is running, it just starts no counter turn
  await troupe.ref(Tape, 't').tell('push', 1);
  await waitFor(
    'the tape to be pushed to',
    async () => (await troupe.ref(Tape, 't').read()).items.length === 1,
  );
  const keys = new Keys(ns);
  const p = partitionOf('counter', 'held', PARTITIONS);
  const admin = redis.client();
  await waitFor('the paused actor to be held', async () =>
    (await admin.lrange(keys.held(p, 'counter'), 0, -1)).includes('counter/held'),
  );
  assert.equal(await admin.llen(keys.mailbox(p, 'counter/held')), 5, 'its mail waits');
  assert.equal((await counter.read()).count, 0);

  const resumed = await cli(ns, 'resume', 'counter');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /resumed counter: applied by 1 worker/);
  assert.equal(await counter.ask('value'), 5);
  assert.equal(await admin.exists(keys.heldTypes(p)), 0, 'nothing left held');
  admin.disconnect();

  assert.equal(await worker.terminate(), 0);
  await troupe.close();
});

it('a pause outlives the worker: one started later holds the type until it is resumed', async () => {
  const { ns, troupe } = await freshSystem(redis.url, [Counter], PARTITIONS);
  const none = await cli(ns, 'pause', 'counter');
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /no live workers now/);
  await troupe.ref(Counter, 'late').tell('add', 2);
  const worker = await spawnWorker(redis.url, ns, 'test/fixtures/actors.ts', ['--name', 'w2']);
  await troupe.ref(Counter, 'probe-free').tell('add', 1);
  const keys = new Keys(ns);
  const p = partitionOf('counter', 'late', PARTITIONS);
  const admin = redis.client();
  await waitFor('the new worker to hold it', async () => (await admin.llen(keys.held(p, 'counter'))) > 0);
  assert.equal((await troupe.ref(Counter, 'late').read()).count, 0);
  await troupe.admin.resume('counter');
  assert.equal(await troupe.ref(Counter, 'late').ask('value'), 2);
  admin.disconnect();
  assert.equal(await worker.terminate(), 0);
  await troupe.close();
});

it('troupe abort <type> <id> stops a stuck turn: its message is dead-lettered and the actor goes on', async () => {
  const { ns, troupe } = await freshSystem(redis.url, [Holder], PARTITIONS);
  const worker = await spawnWorker(redis.url, ns, 'test/fixtures/slow-actors.ts', ['--name', 'w3']);
  const idle = await cli(ns, 'abort', 'holder', 'h');
  assert.equal(idle.code, 2);
  assert.match(idle.stderr, /holder\/h has no turn running on w3/);

  const holder = troupe.ref(Holder, 'h');
  // its handler is abandoned, not stopped: it wakes after 4 s and tries to append
  await holder.tell('hold', 1, 4_000);
  await waitFor('the turn to start', () => worker.output().includes('HOLD-START h'));
  const res = await cli(ns, 'abort', 'holder', 'h');
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /aborted the turn of holder\/h on w3/);

  // a turn that is running when the abandoned handler wakes
  await holder.tell('hold', 2, 8_000);
  await waitFor('the abandoned handler to wake', () => worker.output().includes('HOLD-END h 1'), 30_000);
  await waitFor('the next turn to commit', async () => (await holder.read()).count > 0, 30_000);
  // only the second turn's segment: the abandoned handler's append reached no later turn
  const ctx = await holder.read();
  assert.equal(ctx.count, 2);
  assert.equal(ctx.ids.length, 1);
  const dead = await troupe.deadLetters.list({ actor: 'holder/h' });
  assert.equal(dead.length, 1);
  assert.equal(dead[0]!.envelope?.method, 'hold');
  assert.match(dead[0]!.error, /TurnAbortedError: holder\/h: turn aborted by an operator/);
  assert.equal(dead[0]!.attempts, 1, 'not retried');
  assert.equal(worker.logs('turn aborted by an operator').length, 1);

  assert.equal(await worker.terminate(), 0);
  await troupe.close();
});

/**
 * `waitReplicas`: a tell resolves, and a worker counts a commit, only once replicas have it. A real
 * primary with a real replica (redis-server --replicaof), which the test stops and starts again.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ConfigError, connect, SendError } from '../src/index.ts';
import { Ledger } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let primary: TestRedis;
let replica: TestRedis;

before(async () => {
  primary = await startRedis();
  replica = await startRedis(['--replicaof', '127.0.0.1', String(primary.port)]);
  await waitFor('the replica in sync', async () =>
    /master_link_status:up/.test(await replica.client().info('replication')),
  );
});

after(async () => {
  await replica.stop();
  await primary.stop();
});

it('refuses a waitReplicas that is not a whole number, before connecting', async () => {
  await assert.rejects(
    connect({ redis: primary.url, waitReplicas: -1 }),
    (err) => err instanceof ConfigError && /waitReplicas must be a whole number/.test(err.message),
  );
});

it('confirms tells and commits once the replica has them, and neither while it is down', async (t) => {
  const ns = uniqueNamespace('wait');
  const troupe = await connect({
    redis: primary.url,
    namespace: ns,
    actors: [Ledger],
    waitReplicas: 1,
    waitTimeoutMs: 300,
  });
  t.after(() => troupe.close());
  const worker = await troupe.work({ leaseMs: 2_000 });
  const ledger = troupe.ref(Ledger, 'l-1');
  for (let seq = 1; seq <= 5; seq++) await ledger.tell('record', 's', seq);
  await waitFor('5 committed', async () => (await ledger.read()).count === 5);
  // the replica has what the tells and commits wrote
  const mailbox = await replica.client().keys(`{troupe:${ns}:*}:*l-1`);
  assert.ok(mailbox.length > 0, 'the log is on the replica');

  await replica.stop('SIGKILL');
  await assert.rejects(
    ledger.tell('record', 's', 6),
    (err) => err instanceof SendError && /only 0 of 1 replica\(s\) acknowledged/.test(err.message),
  );
  // stored on the primary all the same: the worker's commit of it is not confirmed either, so the
  // worker takes the partition afresh again and again, and counts no turn
  const before = worker.stats().turnsSucceeded;
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(worker.stats().turnsSucceeded, before, 'no commit counted without the replica');

  await replica.start();
  await waitFor(
    'the message applied once the replica is back',
    async () => (await ledger.read()).count === 6,
  );
  const l = await ledger.read();
  assert.deepEqual([l.dupes, l.gaps], [0, 0], 'each record once, in order');
});

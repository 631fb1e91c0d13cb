// The clock passed to connect() is the one the client and the worker read: a message's sentAt, the
// worker's startedAt in the registry and the time of its 'left' event follow it, not Date.now().
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect } from '../src/index.ts';
import { decodeEnvelope } from '../src/protocol/envelope.ts';
import { actorKey, partitionOf } from '../src/protocol/partition.ts';
import { Counter } from './fixtures/actors.ts';
import { FakeClock } from './helpers/fake-clock.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

it('stamps messages, the worker registry entry and its leaving with the injected clock', async () => {
  // years before any real now, so a Date.now() anywhere on these paths cannot pass for it
  const clock = new FakeClock(1_000_000_000_000);
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace(),
    actors: [Counter],
    partitions: 4,
    clock,
  });
  // closed however the test ends: an open client and worker would keep the file running
  try {
    const mailbox = troupe.keys.mailbox(partitionOf('counter', 'c-1', 4), actorKey('counter', 'c-1'));
    await troupe.ref(Counter, 'c-1').tell('add', 1);
    const [stored] = await redis.client().lrangeBuffer(mailbox, 0, -1);
    assert.ok(stored, 'the tell is in the mailbox');
    assert.equal(decodeEnvelope(stored).sentAt, 1_000_000_000_000);

    clock.advance(5_000);
    const worker = await troupe.work({ leaseMs: 60_000, name: 'clocked' });
    const [entry] = await troupe.admin.workers();
    assert.equal(entry?.startedAt, 1_000_000_005_000);

    clock.advance(5_000);
    await worker.stop();
    const left = (await troupe.admin.workerEvents()).find(
      (e) => e.event === 'left' && e.worker === 'clocked',
    );
    assert.equal(left?.at, 1_000_000_010_000);
  } finally {
    await troupe.close();
  }
});

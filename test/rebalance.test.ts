import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect, type Worker } from '../src/index.ts';
import { Ledger } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const P = 12;
// long leases: within the test's waits, partitions can only move by being handed over
const LEASE = 30_000;

function spread(workers: Worker[]): number[][] {
  return workers.map((w) => w.stats().partitions);
}

function coversAll(workers: Worker[]): boolean {
  const all = spread(workers).flat();
  return all.length === P && new Set(all).size === P;
}

it('spreads partitions evenly over workers as they join, and hands them over at once when one stops', async () => {
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace(),
    actors: [Ledger],
    partitions: P,
  });
  const w1 = await troupe.work({ leaseMs: LEASE, name: 'w1' });
  assert.equal(w1.stats().partitions.length, P, 'a lone worker owns everything');

  const w2 = await troupe.work({ leaseMs: LEASE, name: 'w2' });
  await waitFor(
    'two-way split',
    () => coversAll([w1, w2]) && spread([w1, w2]).every((ps) => ps.length === 6),
  );

  const w3 = await troupe.work({ leaseMs: LEASE, name: 'w3' });
  await waitFor(
    'three-way split',
    () => coversAll([w1, w2, w3]) && spread([w1, w2, w3]).every((ps) => ps.length === 4),
  );

  // mail keeps flowing through the moves
  const ref = troupe.ref(Ledger, 'moving');
  for (let i = 1; i <= 30; i++) await ref.tell('record', 's', i);

  await w2.stop();
  await waitFor('handed over', () => coversAll([w1, w3]));
  for (let i = 31; i <= 60; i++) await ref.tell('record', 's', i);
  await waitFor('all mail applied', async () => (await ref.read()).count === 60);
  const ctx = await ref.read();
  assert.equal(ctx.dupes, 0);
  assert.equal(ctx.gaps, 0);
  await troupe.close();
});

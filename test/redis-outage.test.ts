/**
 * Redis outages (DESIGN.md, "Failures"; Guarantees 3 and 4): Redis is stopped and restarted under a
 * steady stream of tells, once gracefully (SIGTERM: the AOF is flushed) and once killed (SIGKILL:
 * with `appendfsync always` every acknowledged write is on disk anyway). Throughout:
 *   - a tell issued while Redis is down rejects with a SendError that says what to do;
 *   - every tell that resolved is applied exactly once, in the order sent, after Redis is back;
 *   - the worker process (a real `troupe worker`) reconnects and carries on without a restart;
 *   - nothing half-done is left: mailboxes drained, nothing claimed, no dead letters.
 *
 * The stream goes to Tape actors rather than Ledger: a rejected tell "may or may not be stored"
 * (the reply was lost, not necessarily the write), so Ledger's count cannot tell a confirmed send
 * from a rejected one that made it. Tape keeps every applied sequence number in order, so the test
 * checks exactly: applied is strictly increasing (no repeat, no reordering), every confirmed number
 * is applied, and every applied number was sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, partitionOf, SendError, type Troupe } from '../src/index.ts';
import { Tape } from './fixtures/actors.ts';
import { deadCount } from './helpers/dead.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker, type WorkerProcess } from './helpers/worker-process.ts';

const TAPES = ['t-0', 't-1', 't-2', 't-3'];

let redis: TestRedis;

before(async () => {
  redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
});
after(async () => {
  await redis?.stop();
});

/** Tells `push(seq)` round-robin to the tapes until stopped, recording what resolved and what rejected. */
function sender(troupe: Troupe) {
  const confirmed = new Map<string, number[]>(TAPES.map((id) => [id, []]));
  const rejected = new Map<string, number[]>(TAPES.map((id) => [id, []]));
  const errors: unknown[] = [];
  let running = true;
  let total = 0;
  let seq = 0;
  const done = (async () => {
    while (running) {
      seq++;
      for (const id of TAPES) {
        try {
          await troupe.ref(Tape, id).tell('push', seq);
          confirmed.get(id)!.push(seq);
          total++;
        } catch (err) {
          rejected.get(id)!.push(seq);
          errors.push(err);
        }
      }
      // pacing only, so the tapes stay a few hundred items long
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    confirmed,
    rejected,
    errors,
    confirmedCount: () => total,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

async function outage(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const namespace = uniqueNamespace(`outage-${signal.toLowerCase()}`);
  const troupe = await connect({ redis: redis.url, namespace, actors: [Tape], partitions: 4 });
  const worker: WorkerProcess = await spawnWorker(redis.url, namespace, './test/fixtures/actors.ts', [
    '--lease-ms',
    '3000',
  ]);
  const s = sender(troupe);
  let down = false;
  const applied = async (id: string): Promise<number[]> => (await troupe.ref(Tape, id).read()).items;
  try {
    await waitFor(
      'a stream is flowing',
      async () => s.confirmedCount() >= 100 && (await applied('t-0')).length >= 10,
    );

    await redis.stop(signal);
    down = true;
    // ioredis fails a queued command after maxRetriesPerRequest (3) reconnect attempts, whose
    // backoff grows to 2 s: each tell takes seconds to reject, so wait for two, not many
    await waitFor('tells reject while Redis is down', () => s.errors.length >= 2, 60_000);
    const confirmedBefore = s.confirmedCount();
    await redis.start();
    down = false;
    await waitFor('tells resolve again', () => s.confirmedCount() >= confirmedBefore + 100, 30_000);
    await s.stop();

    // a tell that could not be confirmed rejects with a SendError that says what to do
    for (const err of s.errors) {
      assert.ok(err instanceof SendError, `a SendError, got ${String(err)}`);
      assert.match(
        err.message,
        /could not confirm push to tape\/t-\d on Redis at redis:\/\/127\.0\.0\.1:\d+/,
      );
      assert.match(err.message, /may or may not be stored/);
      assert.match(err.message, /Check that Redis is reachable, then retry/);
    }

    // every confirmed tell applied exactly once, in order; nothing applied that was not sent
    for (const id of TAPES) {
      const confirmed = s.confirmed.get(id)!;
      const last = confirmed[confirmed.length - 1]!;
      await waitFor(`${id} caught up`, async () => (await applied(id)).includes(last), 30_000);
      const items = await applied(id);
      for (let i = 1; i < items.length; i++) {
        assert.ok(
          items[i]! > items[i - 1]!,
          `${id}: ${items[i]} applied after ${items[i - 1]} (repeat or reorder)`,
        );
      }
      const got = new Set(items);
      const missing = confirmed.filter((n) => !got.has(n));
      assert.deepEqual(missing, [], `${id}: confirmed tells that were never applied`);
      const sent = new Set([...confirmed, ...s.rejected.get(id)!]);
      assert.deepEqual(
        items.filter((n) => !sent.has(n)),
        [],
        `${id}: applied numbers that were never sent`,
      );
    }

    // the same worker process carried on: it is alive and still serves (an ask is a full turn)
    assert.equal(worker.proc.exitCode, null, `the worker is still running:\n${worker.output()}`);
    assert.equal(worker.proc.signalCode, null);
    const t0 = await applied('t-0');
    await troupe.ref(Tape, 't-0').ask('push', -1);
    assert.deepEqual(await applied('t-0'), [...t0, -1]);

    // nothing half-done: every mailbox drained, nothing claimed, nothing dead-lettered
    const raw = redis.client();
    const k = troupe.keys;
    await waitFor('nothing left in flight', async () => {
      for (const id of TAPES) {
        const p = partitionOf('tape', id, troupe.partitions);
        if ((await raw.llen(k.mailbox(p, `tape/${id}`))) > 0) return false;
        if ((await raw.hlen(k.running(p))) > 0) return false;
      }
      return true;
    });
    assert.equal(await deadCount(raw, k, troupe.partitions), 0, 'no dead letters');
    raw.disconnect();
  } finally {
    if (down) await redis.start();
    await s.stop();
    worker.proc.kill('SIGTERM');
    await worker.exited();
    await troupe.close();
  }
}

describe('Redis outages under a steady stream of tells', () => {
  it('Redis stopped gracefully (SIGTERM) and restarted', () => outage('SIGTERM'));
  it('Redis killed (SIGKILL) and restarted: acknowledged writes survive with appendfsync always', () =>
    outage('SIGKILL'));
});

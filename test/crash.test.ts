import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { connect } from '../src/index.ts';
import { Ledger } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker } from './helpers/worker-process.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

const ACTORS = 24;
const PER_SENDER = 2400;
const SENDERS = ['alice', 'bob', 'carol'];

it('applies every message exactly once and in per-sender order while a worker is SIGKILLed midway', async () => {
  const ns = uniqueNamespace('crash');
  const setup = await connect({ redis: redis.url, namespace: ns, actors: [Ledger], partitions: 8 });
  const a = await spawnWorker(redis.url, ns, './test/fixtures/actors.ts', [
    '--lease-ms',
    '1500',
    '--batch-size',
    '16',
  ]);
  const b = await spawnWorker(redis.url, ns, './test/fixtures/actors.ts', [
    '--lease-ms',
    '1500',
    '--batch-size',
    '16',
  ]);

  let sentTotal = 0;
  let killed = false;
  const send = async (sender: string) => {
    const client = await connect({ redis: redis.url, namespace: ns, actors: [Ledger] });
    const seq = new Map<number, number>();
    for (let i = 0; i < PER_SENDER; i += 100) {
      // pipelined: 100 tells in flight at once, still sent in order on one connection
      const wave: Promise<void>[] = [];
      for (let j = i; j < i + 100; j++) {
        const actor = (j * 7 + sender.length) % ACTORS;
        const n = (seq.get(actor) ?? 0) + 1;
        seq.set(actor, n);
        wave.push(client.ref(Ledger, `l${actor}`).tell('record', sender, n));
      }
      await Promise.all(wave);
      sentTotal += 100;
      if (!killed && sentTotal >= (PER_SENDER * SENDERS.length) / 3) {
        killed = true;
        a.proc.kill('SIGKILL');
      }
    }
    await client.close();
    return seq;
  };
  const sent = await Promise.all(SENDERS.map(send));
  assert.ok(killed, 'the worker was killed midway');
  assert.equal(await a.exited(), null, 'worker A died of SIGKILL');

  const total = PER_SENDER * SENDERS.length;
  const applied = async () => {
    let sum = 0;
    for (let i = 0; i < ACTORS; i++) sum += (await setup.ref(Ledger, `l${i}`).read()).count;
    return sum;
  };
  await waitFor(`all ${total} messages applied`, async () => (await applied()) >= total, 60_000);

  for (let i = 0; i < ACTORS; i++) {
    const ctx = await setup.ref(Ledger, `l${i}`).read();
    const expected = SENDERS.reduce((s, _, k) => s + (sent[k]!.get(i) ?? 0), 0);
    assert.equal(ctx.count, expected, `l${i}: applied count`);
    assert.equal(ctx.dupes, 0, `l${i}: nothing applied twice`);
    assert.equal(ctx.gaps, 0, `l${i}: per-sender order kept`);
    SENDERS.forEach((s, k) => assert.equal(ctx.last[s] ?? 0, sent[k]!.get(i) ?? 0, `l${i}: last of ${s}`));
  }

  // the survivor took over every partition of the dead worker
  const owners = await redis.client().mget(Array.from({ length: 8 }, (_, p) => setup.keys.owner(p)));
  const bId = b.logs('worker ready')[0]!.worker as string;
  assert.deepEqual(new Set(owners), new Set([bId]));

  b.proc.kill('SIGTERM');
  assert.equal(await b.exited(), 0, 'worker B stops gracefully');
  await setup.close();
});

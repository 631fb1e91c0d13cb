import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { Redis } from 'ioredis';
import { connect } from '../src/index.ts';
import { decodeEnvelope } from '../src/protocol/envelope.ts';
import { Keys } from '../src/redis/keys.ts';
import { scripts } from '../src/redis/scripts.ts';
import { monitor } from './helpers/monitor.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

// On a single Redis the client sends the tells of one tick to several partitions in one tell_many
// call; it must leave Redis exactly as tell_batch once per partition would.

let redis: TestRedis;
let client: Redis;

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});

after(async () => {
  client.disconnect();
  await redis.stop();
});

/** Every list of a namespace (mailboxes, ready queues, wake tokens), by key without the namespace. */
async function lists(ns: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const key of await client.keys(`{troupe:${ns}:*`)) {
    if ((await client.type(key)) !== 'list') continue;
    out.set(key.replace(ns, '<ns>'), await client.lrange(key, 0, -1));
  }
  return out;
}

it('tell_many leaves the same mailboxes, ready queues and wakes as tell_batch once per partition', async () => {
  // partition 1 gets three messages (one actor twice), partition 2 one; a1 already has mail
  const groups: { p: number; messages: [akey: string, envelope: string][] }[] = [
    {
      p: 1,
      messages: [
        ['t/a1', 'm1'],
        ['t/a2', 'm2'],
        ['t/a1', 'm3'],
      ],
    },
    { p: 2, messages: [['t/b1', 'm4']] },
  ];
  const run = async (ns: string, many: boolean): Promise<unknown[]> => {
    const keys = new Keys(ns);
    await client.rpush(keys.mailbox(1, 't/a1'), 'm0');
    const calls = groups.map(({ p, messages }) => ({
      keys: [keys.ready(p), keys.wake(p), ...messages.map(([akey]) => keys.mailbox(p, akey))],
      args: messages.flat(),
    }));
    if (!many) {
      return Promise.all(
        calls.map((c) => client.eval(scripts.tell_batch.lua, c.keys.length, ...c.keys, ...c.args)),
      );
    }
    const keysOf = calls.flatMap((c) => c.keys);
    const args = calls.flatMap((c) => [c.args.length / 2, ...c.args]);
    return [await client.eval(scripts.tell_many.lua, keysOf.length, ...keysOf, ...args)];
  };
  const batch = uniqueNamespace('batch');
  const many = uniqueNamespace('many');
  assert.deepEqual(await run(batch, false), [3, 1]);
  assert.deepEqual(await run(many, true), [4]);
  const want = await lists(batch);
  assert.deepEqual(await lists(many), want);
  // the state compared is the one expected: a1's mail after its earlier message, a2 and b1 ready
  assert.deepEqual(want.get('{troupe:<ns>:1}:mb:t/a1'), ['m0', 'm1', 'm3']);
  assert.deepEqual(want.get('{troupe:<ns>:1}:ready'), ['t/a2']);
  assert.deepEqual(want.get('{troupe:<ns>:2}:ready'), ['t/b1']);
  assert.deepEqual(want.get('{troupe:<ns>:2}:wake'), ['1']);
});

it('the client sends one tick of tells to many partitions in one call, and keeps each actor in order around a tellOnce', async () => {
  const ns = uniqueNamespace('tick');
  const troupe = await connect({ redis: redis.url, namespace: ns, partitions: 8 });
  const watch = await monitor(redis.url);
  try {
    const sends: Promise<unknown>[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++) sends.push(troupe.ref('counter', `c${i}`).tell('add', round));
      if (round === 1) sends.push(troupe.ref('counter', 'c0').tellOnce({ id: 'once' }, 'add', 100));
    }
    await Promise.all(sends);
    // MONITOR reports commands in the order Redis ran them: once this one is seen, so are the tells
    await client.echo('tells sent');
    await waitFor('the monitor to catch up', () => watch.seen.some((c) => c.cmd === 'echo'));
    const calls = watch.seen.filter((s) => s.cmd === 'evalsha' || s.cmd === 'eval');
    // EVALSHA names a script by its digest, the EVAL it falls back to on NOSCRIPT by its text
    const many = calls.filter((s) =>
      [sha1(scripts.tell_many.lua), scripts.tell_many.lua].includes(s.args[0]!),
    );
    assert.ok(many.length >= 1, `tell_many ran (${calls.length} script calls)`);
    // the 20 actors span more partitions than the few calls made
    assert.ok(calls.length <= 4, `${calls.length} script calls for 61 messages in one tick`);
    const mailOf = async (id: string) => {
      const [key] = await client.keys(`{troupe:${ns}:*}:mb:counter/${id}`);
      assert.ok(key, `${id} has a mailbox`);
      return (await client.lrangeBuffer(key, 0, -1)).map((b) => decodeEnvelope(b).args[0]);
    };
    assert.deepEqual(await mailOf('c0'), [0, 1, 100, 2]);
    for (let i = 1; i < 20; i++) assert.deepEqual(await mailOf(`c${i}`), [0, 1, 2], `c${i}`);
  } finally {
    watch.stop();
    await troupe.close();
  }
});

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

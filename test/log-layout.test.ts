import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, it, type TestContext } from 'node:test';
import { ConfigError, connect, type Logger, type Troupe } from '../src/index.ts';
import { packStowed, unpackStowed } from '../src/protocol/log.ts';
import { Keys } from '../src/redis/keys.ts';
import { LAYOUT } from '../src/redis/meta.ts';
import { withScripts } from '../src/redis/scripts.ts';
import { MERGE_ON_IDLE_MIN } from '../src/runtime/actor-upkeep.ts';
import { Tape } from './fixtures/actors.ts';
import { deadCount, deadEntries } from './helpers/dead.ts';
import { at, logShape } from './helpers/merging.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let redis: TestRedis;

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await redis.stop();
});

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** A client of [Tape] on a fresh namespace, closed when the test `t` ends, pass or fail. */
async function open(
  t: TestContext,
  { partitions = 4, logger }: { partitions?: number; logger?: Logger } = {},
): Promise<Troupe> {
  const troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace('layout'),
    actors: [Tape],
    partitions,
    ...(logger ? { logger } : {}),
  });
  t.after(() => troupe.close());
  return troupe;
}

/** Deletes what layout 5 added for the actors named: as a namespace from before it has them. */
async function dropDirectory(troupe: Troupe, type: string, ids: string[]): Promise<void> {
  const client = redis.client();
  for (const id of ids) {
    const { p } = at(troupe, type, id);
    await client.del(troupe.keys.dirOf(p, type, id, 4), troupe.keys.dirCount(p));
  }
}

/** Waits until every actor named is out of memory with its log stowed, and none in a list. */
async function whenStowed(troupe: Troupe, ids: string[]): Promise<void> {
  await waitFor('idle logs stowed', async () => {
    for (const id of ids) {
      const shape = await logShape(redis.client(), troupe, at(troupe, 'tape', id));
      if (shape.stowed === 0 || shape.list !== 0) return false;
    }
    return true;
  });
}

describe('stowed entries', () => {
  it('are packed the same by stow.lua as by packStowed, and unpack to what was stowed', async () => {
    const entries = [0, 1, 127, 128, 16_383, 16_384, 70_000].map((n) => Buffer.alloc(n, n % 251));
    const keys = new Keys(uniqueNamespace('pack'));
    const log = keys.log(0, 't/x');
    const bucket = keys.logBucket(0, 0);
    const client = redis.client();
    await client.rpush(log, ...entries.slice(0, 3));
    const scripted = withScripts(client);
    assert.equal(await scripted.run('stow', [log, bucket], ['t/x']), 3);
    // a second stow appends to what is stowed
    await client.rpush(log, ...entries.slice(3));
    assert.equal(await scripted.run('stow', [log, bucket], ['t/x']), entries.length - 3);
    const stowed = (await client.hgetBuffer(bucket, 't/x'))!;
    assert.deepEqual(stowed, packStowed(entries));
    assert.deepEqual(unpackStowed(stowed), entries);
    assert.equal(await client.exists(log), 0, 'the list is gone');
    assert.equal(await scripted.run('stow', [log, bucket], ['t/x']), 0, 'nothing left to stow');
  });

  it("hold a new actor's first segments from its first commit on; later ones go to its list until it idles", async (t) => {
    const troupe = await open(t);
    // never idle during the test: whatever is stowed was written so by the commit
    await troupe.work({ leaseMs: 2_000, idleMs: 60_000 });
    const tape = troupe.ref(Tape, 'born');
    const where = at(troupe, 'tape', 'born');
    await tape.ask('push', 1);
    assert.deepEqual(
      await logShape(redis.client(), troupe, where),
      { stowed: 2, list: 0 },
      'empty base + 1 segment',
    );
    await tape.ask('push', 2);
    assert.deepEqual(await logShape(redis.client(), troupe, where), { stowed: 2, list: 1 });
    assert.deepEqual((await tape.read()).items, [1, 2]);
  });

  it('hold an idle actor whose next turns and merge read them as the head of its log', async (t) => {
    const troupe = await open(t);
    const worker = await troupe.work({ leaseMs: 2_000, idleMs: 100 });
    const tape = troupe.ref(Tape, 'again');
    const where = at(troupe, 'tape', 'again');
    await tape.ask('push', 0);
    await whenStowed(troupe, ['again']);
    assert.deepEqual(
      await logShape(redis.client(), troupe, where),
      { stowed: 2, list: 0 },
      'base + 1 segment',
    );
    // activated from the stowed entries; the new segments go to the list after them
    const more = range(MERGE_ON_IDLE_MIN, 1);
    for (const n of more) await tape.tell('push', n);
    await tape.ask('push', 99);
    assert.deepEqual((await tape.read()).items, [0, ...more, 99]);
    // long enough now to be merged when idle: the merge folds the stowed entries too, then stows the base
    await waitFor('merged and stowed', async () =>
      isDeepStrictEqual(await logShape(redis.client(), troupe, where), { stowed: 1, list: 0 }),
    );
    assert.ok(worker.stats().merges >= 1);
    assert.deepEqual((await tape.read()).items, [0, ...more, 99]);
  });
  it("that cannot be read dead-letter their actor's mail as context-unreadable, and only its own", async (t) => {
    const troupe = await open(t, { partitions: 1 });
    const worker = await troupe.work({ leaseMs: 2_000, idleMs: 100 });
    await troupe.ref(Tape, 'bad').ask('push', 1);
    await waitFor('out of memory', () => worker.stats().activeActors === 0);
    const where = at(troupe, 'tape', 'bad');
    // a length byte that says more follows, and nothing does
    await redis
      .client()
      .hset(troupe.keys.logBucketOf(where.p, where.akey, 1), where.akey, Buffer.from([0xff]));
    await troupe.ref(Tape, 'bad').tell('push', 2);
    await troupe.ref(Tape, 'good').ask('push', 3);
    assert.deepEqual((await troupe.ref(Tape, 'good').read()).items, [3]);
    await waitFor(
      'dead-lettered',
      async () => (await troupe.deadLetters.list({ actor: 'tape/bad' })).length === 1,
    );
    const [dead] = await troupe.deadLetters.list({ actor: 'tape/bad' });
    assert.equal(dead!.reason, 'context-unreadable');
    assert.match(dead!.error, /stowed context log ends inside an entry length/);
  });
});

describe('namespace layout', () => {
  it('is the newest in a namespace created now', async (t) => {
    const troupe = await open(t);
    assert.equal(await redis.client().hget(troupe.keys.meta(), 'layout'), String(LAYOUT));
  });

  it('older than this is refused by workers until `troupe migrate`, which moves keys, dead letters and logs and changes no context', async (t) => {
    const troupe = await open(t);
    const ns = troupe.namespace;
    const k = troupe.keys;
    const client = redis.client();
    const ids = range(12).map((i) => `t-${i}`);
    const worker = await troupe.work({ leaseMs: 2_000, idleMs: 100 });
    for (const [i, id] of ids.entries())
      for (const n of range((i % 3) + 1)) await troupe.ref(Tape, id).tell('push', n);
    for (const id of ['t-0', 't-5', 't-7']) await troupe.ref('tape', id).tell('nope');
    await waitFor('3 dead letters', async () => (await deadCount(client, k, 4)) === 3);
    await whenStowed(troupe, ids);
    await worker.stop();
    await troupe.admin.pause('tape');
    const dead = await troupe.deadLetters.list();
    assert.equal(dead.length, 3);

    // the same data as an older Troupe kept it: layout 1, logs in lists of their own, one
    // dead-letter stream and untagged namespace keys, and an old worker still alive
    await client.hdel(k.meta(), 'layout');
    for (const id of ids) {
      const { p, akey } = at(troupe, 'tape', id);
      const bucket = k.logBucketOf(p, akey, 4);
      const entries = unpackStowed((await client.hgetBuffer(bucket, akey))!);
      await client.rpush(k.log(p, akey), ...entries);
      await client.hdel(bucket, akey);
    }
    // one stream: entries of different partitions may share an id, so each gets a new one here
    const legacyIds: string[] = [];
    for (const [, fields] of await deadEntries(client, k, 4)) {
      const actor = fields[fields.findIndex((f) => f.toString() === 'actor') + 1]!.toString();
      const id = (await client.xadd(k.legacy.dead, '*', ...fields))!;
      legacyIds.unshift(`${id}@${at(troupe, 'tape', actor.slice('tape/'.length)).p}`);
    }
    await client.del(...range(4).map((p) => k.dead(p)));
    await dropDirectory(troupe, 'tape', ids);
    await client.rename(k.pausedTypes(), k.legacy.pausedTypes);
    await client.rename(k.workerEvents(), k.legacy.workerEvents);
    await client.zadd(k.legacy.workers, Date.now() + 60_000, 'old-worker');

    await assert.rejects(
      troupe.work(),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message.includes('layout 1, by an older Troupe') &&
        err.message.includes(`npx troupe -n ${ns} migrate`),
    );
    const refused = await runCli(['-r', redis.url, '-n', ns, 'migrate']);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /1 worker\(s\) of namespace .* are running \(old-worker\).*stop every worker/,
    );
    assert.equal(await client.exists(k.legacy.dead), 1, 'nothing moved while a worker runs');

    await client.zrem(k.legacy.workers, 'old-worker');
    const run = await runCli(['-r', redis.url, '-n', ns, 'migrate']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `layout 1 -> ${LAYOUT}, 3 dead letter\\(s\\) moved to their partitions' streams, 12 actor\\(s\\) listed in the directory; 12 log\\(s\\) stowed in log buckets \\(36 entries\\)`,
      ),
    );
    assert.equal(await client.hget(k.meta(), 'layout'), String(LAYOUT));
    for (const key of Object.values<string>({ ...k.legacy }))
      assert.equal(await client.exists(key), 0, `${key} is gone`);
    assert.deepEqual(
      (await troupe.deadLetters.list()).map((d) => [d.id, d.actor, d.reason]),
      dead.map((d, i) => [legacyIds[i], d.actor, d.reason]),
      "each dead letter kept its id, in its actor's partition",
    );
    assert.deepEqual(await troupe.admin.pausedTypes(), ['tape']);
    assert.equal(await troupe.actors(Tape).count(), 12);
    await whenStowed(troupe, ids);
    for (const [i, id] of ids.entries()) {
      assert.deepEqual((await troupe.ref(Tape, id).read()).items, range((i % 3) + 1));
    }
    const again = await runCli(['-r', redis.url, '-n', ns, 'migrate']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`already at layout ${LAYOUT}; 0 log\\(s\\)`));

    // workers of this version serve it now
    await troupe.admin.resume('tape');
    await troupe.work({ leaseMs: 2_000, idleMs: 100 });
    await troupe.ref(Tape, 't-1').ask('push', 7);
    assert.deepEqual((await troupe.ref(Tape, 't-1').read()).items, [0, 1, 7]);
  });

  it('4, before the directory: `troupe migrate` lists every actor with a log once no worker runs', async (t) => {
    const troupe = await open(t);
    const k = troupe.keys;
    const client = redis.client();
    const ids = range(9).map((i) => `d-${i}`);
    const worker = await troupe.work({ leaseMs: 2_000, idleMs: 100 });
    for (const id of ids) await troupe.ref(Tape, id).ask('push', 1);
    // one stays in a list of its own, the others are stowed once idle
    await worker.stop();
    await dropDirectory(troupe, 'tape', ids);
    await client.hset(k.meta(), 'layout', 4);
    assert.equal(await troupe.actors(Tape).count(), 0);
    await client.zadd(k.workers(), Date.now() + 60_000, 'old-worker');
    const refused = await runCli(['-r', redis.url, '-n', troupe.namespace, 'migrate']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /stop every worker before listing actors in the directory/);
    await client.zrem(k.workers(), 'old-worker');
    const run = await runCli(['-r', redis.url, '-n', troupe.namespace, 'migrate']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`layout 4 -> ${LAYOUT}, 9 actor\\(s\\) listed in the directory`));
    const listed: string[] = [];
    for await (const id of troupe.actors(Tape).ids()) listed.push(id);
    assert.deepEqual(listed.sort(), ids);
    assert.equal(await troupe.actors(Tape).count(), 9);
    const again = await runCli(['-r', redis.url, '-n', troupe.namespace, 'migrate']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await troupe.actors(Tape).count(), 9, 'running it again counts each actor once');
  });

  it('newer than this Troupe knows stops a worker with the fix', async (t) => {
    const troupe = await open(t);
    await redis.client().hset(troupe.keys.meta(), 'layout', LAYOUT + 1);
    await assert.rejects(
      troupe.work(),
      (err: unknown) =>
        err instanceof ConfigError &&
        new RegExp(`layout ${LAYOUT + 1}, newer than .*upgrade troupe`).test(err.message),
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type Troupe } from '../src/index.ts';
import type { InspectReport } from '../src/client/inspection.ts';
import { unpackStowed } from '../src/protocol/log.ts';
import { partitionOf } from '../src/protocol/partition.ts';
import { mergeActor, MergeLock } from '../src/runtime/merge.ts';
import { Counter } from './fixtures/actors.ts';
import { at, entryOf, mergeDeps } from './helpers/merging.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;
const ACTORS = './test/fixtures/actors.ts';

let redis: TestRedis;
let ns: string;
let troupe: Troupe;

const cli = (...args: string[]) => runCli(['-r', redis.url, '-n', ns, 'inspect', ...args]);

async function report(...args: string[]): Promise<InspectReport> {
  const run = await cli(...args, '--json');
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as InspectReport;
}

before(async () => {
  redis = await startRedis();
  ns = uniqueNamespace('inspect');
  troupe = await connect({ redis: redis.url, namespace: ns, actors: [Counter], partitions: 8 });
  await troupe.work({ leaseMs: 2000 });
  const c = troupe.ref(Counter, 'c-1');
  for (const n of [1, 2, 3, 4, 5]) await c.tell('add', n);
  await waitFor('five adds committed', async () => (await c.read()).count === 15);
});

after(async () => {
  await troupe.close();
  await redis.stop();
});

describe('troupe inspect', () => {
  it('prints the log, the base and the folded context as JSON', async () => {
    const r = await report('counter', 'c-1', '--actors', ACTORS);
    assert.equal(r.partition, partitionOf('counter', 'c-1', 8));
    assert.equal(r.partitions, 8);
    assert.deepEqual(r.log.segments, 5);
    assert.ok(r.log.bytes > 0);
    // the first commit of a new actor writes its base and segments into its log bucket
    const akey = 'counter/c-1';
    assert.equal(r.keys.logBucket, troupe.keys.logBucketOf(r.partition, akey, 8));
    const stowed = await redis.client().hgetBuffer(r.keys.logBucket, akey);
    assert.equal(r.log.stowed, unpackStowed(stowed!).length);
    assert.ok(r.log.stowed >= 2, 'the base and at least the first segment');
    assert.equal(r.base.empty, true);
    assert.equal(r.base.version, 0);
    assert.deepEqual(
      r.last.map((s) => [s.seq, s.seg]),
      [1, 2, 3, 4, 5].map((n) => [n, { added: n }]),
    );
    assert.match(r.last[0]!.time!, ISO);
    assert.deepEqual(r.context, { count: 15 });
    assert.equal(r.folded?.segments, 5);
    assert.equal(r.folded?.seq, 5);
    assert.deepEqual(r.lock, { held: false, ttlMs: null });
    assert.equal(r.mailbox, 0);
    assert.equal(r.history, null);
    assert.equal(r.policy?.segments, 256);
  });

  it('limits the segments shown with --last', async () => {
    const r = await report('counter', 'c-1', '--actors', ACTORS, '--last', '2');
    assert.deepEqual(
      r.last.map((s) => [s.index, s.seq]),
      [
        [4, 4],
        [5, 5],
      ],
    );
    assert.equal(r.log.segments, 5, 'the count still covers the whole log');
  });

  it('folds the context as of --at, given as epoch ms or an ISO date', async () => {
    const now = await report('counter', 'c-1', '--actors', ACTORS);
    const third = now.last[2]!;
    // segments stamped in the same millisecond all belong to that time
    const upTo = now.last.filter((s) => s.ts! <= third.ts!);
    const count = upTo.reduce((sum, s) => sum + (s.seg as { added: number }).added, 0);
    for (const at of [String(third.ts), third.time!]) {
      const r = await report('counter', 'c-1', '--actors', ACTORS, '--at', at);
      assert.deepEqual(r.at, { ts: third.ts, time: third.time });
      assert.deepEqual(r.context, { count });
      assert.equal(r.folded?.seq, upTo.at(-1)!.seq);
      assert.equal(r.log.segments, 5, 'the log itself is shown whole');
    }
    const before = await report('counter', 'c-1', '--actors', ACTORS, '--at', String(now.last[0]!.ts! - 1));
    assert.deepEqual(before.context, { count: 0 }, 'before the first segment: initial()');

    const text = await cli('counter', 'c-1', '--actors', ACTORS, '--at', third.time!);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^context at {2}\\{"count":${count}\\}$`, 'm'));
    assert.ok(text.stdout.includes(`(as of ${third.time})`), text.stdout);
  });

  it('says what --at takes, and that it needs --actors', async () => {
    const bad = await cli('counter', 'c-1', '--actors', ACTORS, '--at', 'yesterday');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'yesterday' is invalid.*milliseconds since the epoch .*or an ISO date/);
    const noClass = await cli('counter', 'c-1', '--at', '1718020800000');
    assert.equal(noClass.code, 2);
    assert.match(noClass.stderr, /^troupe: --at .*needs the counter class: add --actors <module>/);
  });

  it('without --actors shows the raw log and says the fold needs the class', async () => {
    const r = await report('counter', 'c-1');
    assert.equal(r.context, null);
    assert.match(r.note ?? '', /--actors/);
    assert.equal(r.last.length, 5);

    const text = await cli('counter', 'c-1');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /folded context needs the counter class: pass --actors/);
    assert.match(text.stdout, /seq 5 {2}\S+ {2}\{"added":5\}/);
  });

  it('shows a held merge lock with its time to live', async () => {
    const deps = mergeDeps(redis.client(), troupe, 60_000);
    const lock = (await MergeLock.take(deps, at(troupe, 'counter', 'c-1')))!;
    try {
      const r = await report('counter', 'c-1');
      assert.equal(r.lock.held, true);
      assert.ok(r.lock.ttlMs! > 0 && r.lock.ttlMs! <= 60_000, String(r.lock.ttlMs));
    } finally {
      await lock.release();
    }
  });

  it('after a merge reports base version 1, no segments, and the same context', async () => {
    const res = await mergeActor(
      mergeDeps(redis.client(), troupe),
      at(troupe, 'counter', 'c-1'),
      entryOf(Counter),
    );
    assert.equal(res.status, 'merged');
    const r = await report('counter', 'c-1', '--actors', ACTORS);
    assert.equal(r.base.empty, false);
    assert.equal(r.base.version, 1);
    assert.equal(r.base.seq, 5);
    assert.match(r.base.time!, ISO);
    assert.deepEqual(r.base.ctx, { count: 15 });
    assert.equal(r.log.segments, 0);
    assert.equal(r.log.bytes, 0);
    assert.deepEqual(r.last, []);
    assert.deepEqual(r.context, { count: 15 });
    assert.equal(r.timeTravel.time, r.base.time, 'without retainMs read({ at }) stops at the base');

    const c = troupe.ref(Counter, 'c-1');
    await c.tell('add', 10);
    await waitFor('one more add', async () => (await c.read()).count === 25);
    const more = await report('counter', 'c-1', '--actors', ACTORS);
    assert.equal(more.log.segments, 1);
    assert.deepEqual(
      more.last.map((s) => s.seq),
      [6],
    );
    assert.deepEqual(more.context, { count: 25 });
  });

  it('refuses an --at before the base when merged segments are not kept, naming the fix', async () => {
    const r = await report('counter', 'c-1', '--actors', ACTORS);
    const run = await cli('counter', 'c-1', '--actors', ACTORS, '--at', String(r.base.ts! - 1));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no history before .*pick a later time, or set `static merge = \{ retainMs/);
  });

  it('prints text with the context and timestamps', async () => {
    const run = await cli('counter', 'c-1', '--actors', ACTORS);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^counter\/c-1 in namespace \S+, partition \d+ of 8 \(pool default\)\n/);
    assert.match(run.stdout, /merge version 1: segments up to seq 5/);
    assert.match(run.stdout, /^context {5}\{"count":25\}$/m);
    assert.match(run.stdout, ISO);
    assert.match(run.stdout, /merge lock {2}free/);
  });

  it('reports an actor that never committed anything as initial()', async () => {
    const r = await report('counter', 'nobody', '--actors', ACTORS);
    assert.equal(r.log.exists, false);
    assert.deepEqual(r.context, { count: 0 });
    assert.equal(r.timeTravel.ts, null);
  });

  it('refuses a namespace that does not exist, without creating it', async () => {
    const missing = uniqueNamespace('nope');
    const run = await runCli(['-r', redis.url, '-n', missing, 'inspect', 'counter', 'c-1']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      new RegExp(`^troupe: no Troupe namespace "${missing}" on \\S+: namespaces here: ${ns}\\. `),
    );
    assert.equal(await redis.client().exists(`troupe:${missing}:meta`), 0, 'inspect wrote nothing');
  });

  it('names the known types when --actors lacks the class', async () => {
    const run = await cli('ledgerx', 'l-1', '--actors', ACTORS);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no actor class of type "ledgerx".*found: .*counter/);
  });

  it('has examples in its help', async () => {
    const help = await runCli(['inspect', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:/);
  });
});

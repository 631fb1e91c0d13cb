import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, it } from 'node:test';
import type { Redis } from 'ioredis';
import type { SystemInfo } from '../src/client/info.ts';
import { systemInfo } from '../src/client/info.ts';
import { connect, type Troupe } from '../src/index.ts';
import { partitionOf } from '../src/protocol/partition.ts';
import { deadCount } from './helpers/dead.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { ROOT, runCli } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';
import { spawnWorker, type WorkerProcess } from './helpers/worker-process.ts';

const P = 8;
const MODULES = [
  'test/fixtures/actors.ts',
  'test/fixtures/slow-actors.ts',
  'test/fixtures/failing-actors.ts',
];

let redis: TestRedis;
let client: Redis;
let ns: string;
let troupe: Troupe;
const workers: WorkerProcess[] = [];

before(async () => {
  redis = await startRedis();
  client = redis.client();
  ns = uniqueNamespace('info');
  // no actor classes: untyped refs, and sends to types no worker runs
  troupe = await connect({ redis: redis.url, namespace: ns, partitions: P });
});

after(async () => {
  // the Holder turn blocks a graceful stop; nothing here needs one
  for (const w of workers) w.proc.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited()));
  await troupe.close();
  await redis.stop();
});

const cli = (...args: string[]) => runCli(['-r', redis.url, '-n', ns, ...args]);
const p = (akey: string) => partitionOf(akey.split('/')[0]!, akey.split('/')[1]!, P);

async function infoJson(...args: string[]): Promise<SystemInfo> {
  const run = await cli('info', '--json', ...args);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  return JSON.parse(run.stdout) as SystemInfo;
}

/** How many actors sit in each partition's queue, from the actor keys the test put there. */
function perPartition(akeys: string[]): number[] {
  const n: number[] = Array<number>(P).fill(0);
  for (const a of akeys) n[p(a)]!++;
  return n;
}

it('says so, and creates nothing, when the namespace does not exist', async () => {
  const missing = uniqueNamespace('nowhere');
  const run = await runCli(['-r', redis.url, '-n', missing, 'info']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, new RegExp(`^troupe: no Troupe namespace "${missing}" on ${redis.url}: `));
  assert.equal(await client.exists(`troupe:${missing}:meta`), 0);
});

it('with no worker: the mail waits on the ready queues, no partition has an owner', async () => {
  await troupe.admin.pause('counter'); // no worker to tell: resolves at once
  const sends: Promise<void>[] = [];
  for (const [id, n] of [
    ['c-1', 5],
    ['c-2', 3],
    ['c-3', 1],
  ] as const) {
    for (let i = 0; i < n; i++) sends.push(troupe.ref('counter', id).tell('add', 1));
  }
  await Promise.all(sends);
  await troupe.ref('counter', 'c-9').tellLater(3_600_000, 'add', 1);

  const info = await infoJson();
  assert.equal(info.namespace, ns);
  assert.equal(info.partitions, P);
  assert.deepEqual(info.workers, []);
  assert.deepEqual(info.unowned, [...Array(P).keys()]);
  // the oldest wait is that of the message at the head of a ready queue: it is a few ms old at most
  const [pool] = info.pools;
  assert.deepEqual(
    { ...pool, oldestWaitMs: undefined },
    {
      name: 'default',
      first: 0,
      partitions: P,
      types: [],
      workers: [],
      ready: 3,
      running: 0,
      oldestWaitMs: undefined,
      turnRate: 0,
    },
  );
  assert.ok(pool!.oldestWaitMs !== null && pool!.oldestWaitMs >= 0, String(pool!.oldestWaitMs));
  const ready = perPartition(['counter/c-1', 'counter/c-2', 'counter/c-3']);
  const timers = perPartition(['counter/c-9']);
  assert.deepEqual(
    info.partitionList,
    [...Array(P).keys()].map((i) => ({
      partition: i,
      pool: 'default',
      owner: null,
      epoch: 0,
      ready: ready[i],
      running: 0,
      parked: 0,
      paused: 0,
      held: 0,
      timers: timers[i],
      mergesDue: 0,
      outbox: 0,
    })),
  );
  assert.deepEqual(info.busiest, [
    { actor: 'counter/c-1', partition: p('counter/c-1'), mailbox: 5, state: 'ready' },
    { actor: 'counter/c-2', partition: p('counter/c-2'), mailbox: 3, state: 'ready' },
    { actor: 'counter/c-3', partition: p('counter/c-3'), mailbox: 1, state: 'ready' },
  ]);
  assert.deepEqual(info.totals, {
    ready: 3,
    running: 0,
    parked: 0,
    paused: 0,
    held: 0,
    timers: 1,
    mergesDue: 0,
    outbox: 0,
    actorsSeen: 3,
    mailbox: 9,
    complete: true,
  });
  assert.deepEqual(info.deadLetters, { count: 0, newest: [] });
  assert.deepEqual(info.shards, [], 'no shards on a single Redis');
  assert.deepEqual(info.pausedTypes, ['counter']);
  assert.equal(info.mergesPending, 0);
  assert.deepEqual(info.recentEvents, []);

  const top2 = await infoJson('--top', '2');
  assert.deepEqual(
    top2.busiest.map((b) => b.actor),
    ['counter/c-1', 'counter/c-2'],
  );
  assert.equal(top2.totals.mailbox, 9, 'totals cover every actor, not just the listed ones');
});

it('with two workers: owners, held, running and paused actors, dead letters', async () => {
  workers.push(
    ...(await Promise.all(
      ['w-a', 'w-b'].map((name) =>
        spawnWorker(redis.url, ns, MODULES[0]!, [...MODULES.slice(1), '--name', name, '--lease-ms', '3000']),
      ),
    )),
  );
  const deps = { redis: client, keys: troupe.keys, partitions: P };
  // settled: the partitions split 4 and 4, the heartbeats say so, the paused counters are held
  await waitFor('partitions spread over both workers', async () => {
    const info = await systemInfo(deps);
    return (
      info.workers.length === 2 &&
      info.workers.every((w) => w.owns.length === P / 2 && w.partitions.join() === w.owns.join()) &&
      info.totals.held === 3
    );
  });

  await troupe.ref('ghost', 'g-1').tell('boo'); // no worker runs type ghost
  await troupe.ref('tape', 't-1').tell('nope'); // Tape has no method nope
  await troupe.ref('pauser', 'p-1').tell('risky', 1); // fails twice, then pauses the actor
  await troupe.ref('pauser', 'p-1').tell('record', 2);
  // a turn that runs for as long as the test looks, with three messages waiting behind it
  await troupe.ref('holder', 'h-1').tell('hold', 1, 600_000);
  for (let i = 0; i < 3; i++) await troupe.ref('holder', 'h-1').tell('add', 1);
  await waitFor('three dead letters, p-1 paused, h-1 running', async () => {
    const [dead, paused, running] = await Promise.all([
      deadCount(client, troupe.keys, troupe.partitions),
      client.hexists(troupe.keys.paused(p('pauser/p-1')), 'pauser/p-1'),
      client.hexists(troupe.keys.running(p('holder/h-1')), 'holder/h-1'),
    ]);
    return dead === 3 && paused === 1 && running === 1;
  });

  // the three views at once, while the Holder turn runs
  const watching = watchFirstFrame();
  const [info, human] = await Promise.all([infoJson(), cli('info')]);

  assert.deepEqual(
    info.workers.map((w) => w.name),
    ['w-a', 'w-b'],
  );
  const owners = new Map(info.workers.flatMap((w) => w.owns.map((i) => [i, w.name] as const)));
  assert.deepEqual([...owners.keys()].sort(), [...Array(P).keys()]);
  assert.deepEqual(info.unowned, []);
  for (const part of info.partitionList) {
    assert.equal(part.owner, owners.get(part.partition));
    assert.ok(part.epoch >= 1);
  }
  for (const w of info.workers) {
    assert.deepEqual(w.partitions, w.owns);
    assert.deepEqual(w.types.sort(), [
      'counter',
      'flaky',
      'forwarder',
      'history',
      'holder',
      'ledger',
      'pauser',
      'reminder',
      'tape',
    ]);
    assert.deepEqual(w.paused, ['counter']);
  }
  const held = perPartition(['counter/c-1', 'counter/c-2', 'counter/c-3']);
  assert.deepEqual(
    info.partitionList.map((x) => [x.ready, x.running, x.parked, x.paused, x.held, x.timers]),
    [...Array(P).keys()].map((i) => [
      0,
      perPartition(['holder/h-1'])[i],
      0, // p-1 keeps its attempts entry while paused: it counts as paused only
      perPartition(['pauser/p-1'])[i],
      held[i],
      perPartition(['counter/c-9'])[i],
    ]),
  );
  assert.deepEqual(info.busiest, [
    { actor: 'counter/c-1', partition: p('counter/c-1'), mailbox: 5, state: 'held' },
    { actor: 'holder/h-1', partition: p('holder/h-1'), mailbox: 4, state: 'running' },
    { actor: 'counter/c-2', partition: p('counter/c-2'), mailbox: 3, state: 'held' },
    { actor: 'pauser/p-1', partition: p('pauser/p-1'), mailbox: 2, state: 'paused' },
    { actor: 'counter/c-3', partition: p('counter/c-3'), mailbox: 1, state: 'held' },
  ]);
  assert.deepEqual(info.totals, {
    ready: 0,
    running: 1,
    parked: 0,
    paused: 1,
    held: 3,
    timers: 1,
    mergesDue: 0,
    outbox: 0,
    actorsSeen: 5,
    mailbox: 15,
    complete: true,
  });
  assert.equal(info.deadLetters.count, 3);
  assert.deepEqual(info.deadLetters.newest.map((d) => [d.actor, d.reason]).sort(), [
    ['ghost/g-1', 'unknown-type'],
    ['pauser/p-1', 'handler-error'],
    ['tape/t-1', 'unknown-method'],
  ]);
  assert.equal(info.deadLetters.newest.find((d) => d.actor === 'pauser/p-1')?.attempts, 2);
  assert.deepEqual(info.pausedTypes, ['counter']);
  assert.equal(info.mergesPending, 0);
  assert.deepEqual(info.recentEvents.map((e) => `${e.event} ${e.worker}`).sort(), ['born w-a', 'born w-b']);

  const [pool] = info.pools;
  assert.deepEqual([pool!.name, pool!.workers, pool!.running], ['default', ['w-a', 'w-b'], 1]);
  assert.ok(pool!.types.includes('holder'), pool!.types.join());
  assert.equal(human.code, 0, human.stderr);
  const lines = human.stdout.split('\n');
  assert.equal(
    lines[0]!.replace(/, \S+Z$/, ''),
    `troupe info: namespace ${ns} on ${redis.url}, 8 partitions, 2 workers`,
  );
  for (const name of ['w-a', 'w-b']) {
    assert.ok(
      lines.some((l) => new RegExp(`^  ${name} +\\S+:\\d+ .* 4 `).test(l)),
      `workers row of ${name}:\n${human.stdout}`,
    );
    assert.ok(
      lines.some((l) => new RegExp(`^  ${name} +4  [0-9, -]+$`).test(l)),
      `partition ranges of ${name}:\n${human.stdout}`,
    );
  }
  for (const expected of [
    /^ {2}counter\/c-1 +5 +held +\d+$/,
    /^ {2}holder\/h-1 +4 +running +\d+$/,
    /^ {2}pauser\/p-1 +2 +paused +\d+$/,
    /^ACTORS WITH MAIL {2}0 ready, 1 running, \d parked, 1 paused, 3 held; 15 messages in 5 mailboxes$/,
    /^TIMERS 1 {3}MERGES PENDING 0 {3}DEAD LETTERS 3$/,
    /^DEAD LETTERS {2}3$/,
    /^ {2}\S+Z +\d+-\d+@\d+ +ghost\/g-1 +unknown-type +1$/,
    /^PAUSED TYPES {2}counter /,
    // the default pool: partitions 0-7, its types, 2 workers, 0 ready (held), 1 running
    /^ {2}default +0-7 +\S*counter\S* +2 +0 +1 +- +[\d.]+$/,
  ]) {
    assert.ok(
      lines.some((l) => expected.test(l)),
      `no line matches ${String(expected)}:\n${human.stdout}`,
    );
  }

  const frame = await watching;
  assert.equal(frame.code, 0, `--watch stops cleanly on Ctrl-C: ${frame.stderr}`);
  assert.ok(frame.stdout.startsWith('\x1b[H\x1b[2J'), 'each frame clears the screen');
  assert.match(frame.stdout, /\(every 0\.2s, Ctrl-C to stop\)\n/);
  assert.match(frame.stdout, /^DEAD LETTERS {2}3$/m);
});

/** Runs `troupe info --watch 0.2` until its first frame is out, then sends it SIGINT. */
function watchFirstFrame(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(
    process.execPath,
    ['bin/troupe.mjs', '-r', redis.url, '-n', ns, 'info', '--watch', '0.2'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  process.once('exit', () => proc.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  let signalled = false;
  proc.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!signalled && stdout.includes('PAUSED TYPES')) {
      signalled = true;
      proc.kill('SIGINT');
    }
  });
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

it('samples long queues and says the busiest list covers only part of them', async () => {
  const one = await connect({ redis: redis.url, namespace: uniqueNamespace('info-sample'), partitions: 1 });
  try {
    for (let i = 1; i <= 5; i++) {
      for (let m = 0; m < i; m++) await one.ref('x', `a-${i}`).tell('go');
    }
    const deps = { redis: client, keys: one.keys, partitions: 1 };
    const all = await systemInfo(deps, { top: 2 });
    assert.equal(all.totals.complete, true);
    assert.equal(all.totals.actorsSeen, 5);
    assert.equal(all.totals.mailbox, 15);
    assert.deepEqual(
      all.busiest.map((b) => [b.actor, b.mailbox]),
      [
        ['x/a-5', 5],
        ['x/a-4', 4],
      ],
    );
    // the first two on the ready queue are a-1 and a-2
    const part = await systemInfo(deps, { sample: 2 });
    assert.equal(part.totals.complete, false);
    assert.equal(part.totals.ready, 5);
    assert.equal(part.totals.actorsSeen, 2);
    assert.deepEqual(
      part.busiest.map((b) => [b.actor, b.mailbox]),
      [
        ['x/a-2', 2],
        ['x/a-1', 1],
      ],
    );
  } finally {
    await one.close();
  }
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Packr } from 'msgpackr';
import {
  type ActorClass,
  ClosedError,
  ConfigError,
  connect,
  HandlerError,
  partitionOf,
  type Troupe,
} from '../src/index.ts';
import { Keys } from '../src/redis/keys.ts';
import { withScripts } from '../src/redis/scripts.ts';
import { Counter, Tape } from './fixtures/actors.ts';
import { deadCount as countDead } from './helpers/dead.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let redis: TestRedis;
let raw: Redis;
before(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url);
});
after(async () => {
  raw.disconnect();
  await redis.stop();
});

async function system(ns = uniqueNamespace('dl'), actors: ActorClass[] = [Counter]): Promise<Troupe> {
  return connect({ redis: redis.url, namespace: ns, actors, partitions: 8 });
}

/** Puts arbitrary bytes into an actor's mailbox through the real tell script, as a foreign sender could. */
async function tellBytes(troupe: Troupe, type: string, id: string, bytes: Buffer): Promise<void> {
  const k = new Keys(troupe.namespace);
  const p = partitionOf(type, id, troupe.partitions);
  const akey = `${type}/${id}`;
  await withScripts(raw).run('tell', [k.mailbox(p, akey), k.ready(p), k.wake(p)], [akey, bytes]);
}

async function deadCount(troupe: Troupe): Promise<number> {
  return countDead(raw, troupe.keys, troupe.partitions);
}

describe('troupe.deadLetters', () => {
  it('says the client is closed, rather than a Redis error, once it is', async () => {
    const troupe = await system();
    await troupe.close();
    await assert.rejects(troupe.deadLetters.list(), ClosedError);
  });

  it('lists handler errors and unknown methods with their fields and decoded envelopes', async () => {
    const troupe = await system();
    const worker = await troupe.work({ leaseMs: 2000 });
    const c = troupe.ref(Counter, 'c-1');
    await assert.rejects(c.ask('fail', 'boom'), HandlerError);
    await troupe.ref('counter', 'c-1').tell('nope', 1, 'two');
    await c.tell('add', 3);
    assert.equal(await c.ask('value'), 3, 'the mailbox moved on past both');
    await waitFor('two dead letters', async () => (await deadCount(troupe)) === 2);

    const [newest, oldest, ...rest] = await troupe.deadLetters.list();
    assert.equal(rest.length, 0);
    assert.ok(newest && oldest);
    assert.equal(oldest.reason, 'handler-error');
    assert.equal(oldest.actor, 'counter/c-1');
    assert.match(oldest.error, /boom/);
    assert.equal(oldest.attempts, 3, 'dead-lettered after the default three attempts');
    assert.equal(oldest.worker, worker.id);
    assert.deepEqual(oldest.envelope?.args, ['boom']);
    assert.equal(oldest.envelope?.method, 'fail');
    assert.ok(Math.abs(oldest.at - Date.now()) < 60_000, 'at comes from the stream id');

    assert.equal(newest.reason, 'unknown-method');
    assert.match(newest.error, /no handler "nope"/);
    assert.equal(newest.envelope?.method, 'nope');
    assert.deepEqual(newest.envelope?.args, [1, 'two']);
    assert.equal(newest.envelope?.type, 'counter');
    assert.equal(newest.envelope?.actor, 'c-1');
    assert.ok(newest.envelope?.id);
    assert.ok(Buffer.isBuffer(newest.raw) && newest.raw.length > 0);

    assert.deepEqual(
      (await troupe.deadLetters.list({ reason: 'unknown-method' })).map((d) => d.id),
      [newest.id],
    );
    assert.equal((await troupe.deadLetters.list({ actor: 'counter' })).length, 2);
    assert.equal((await troupe.deadLetters.list({ actor: 'counter/c-1', limit: 1 })).length, 1);
    assert.equal((await troupe.deadLetters.list({ actor: 'counter/c-2' })).length, 0);

    const shown = await troupe.deadLetters.show(oldest.id);
    assert.deepEqual(shown, oldest);
    assert.equal(await troupe.deadLetters.show('1-0'), undefined);
    await assert.rejects(troupe.deadLetters.show('not-an-id'), ConfigError);

    // retrying an unknown method dead-letters it again (with the same message id), and says so nowhere else
    assert.equal(await troupe.deadLetters.retry(newest.id), 1);
    await waitFor('dead-lettered again', async () =>
      (await troupe.deadLetters.list()).some((d) => d.id !== newest.id && d.reason === 'unknown-method'),
    );
    const again = (await troupe.deadLetters.list({ reason: 'unknown-method' }))[0];
    assert.equal(again?.envelope?.id, newest.envelope?.id);

    assert.equal(await troupe.deadLetters.purge(oldest.id), 1);
    assert.equal(await troupe.deadLetters.purge(oldest.id), 0, 'already gone');
    assert.equal(await troupe.deadLetters.purge({ all: true }), 1);
    assert.equal(await deadCount(troupe), 0);
    await worker.stop();
    await troupe.close();
  });

  it('retries a message for a type no worker had once a worker has it, and it is applied', async () => {
    const ns = uniqueNamespace('dl');
    const first = await system(ns, [Counter]);
    const w1 = await first.work({ leaseMs: 2000 });
    await first.ref<typeof Tape>('tape', 't-1').tell('push', 7);
    await first.ref<typeof Tape>('tape', 't-1').tell('push', 8);
    await waitFor('dead-lettered', async () => (await deadCount(first)) === 2);
    const dead = await first.deadLetters.list({ reason: 'unknown-type' });
    assert.equal(dead.length, 2);
    assert.match(dead[0]!.error, /no actor class of type "tape"/);
    await w1.stop();
    await first.close();

    const second = await system(ns, [Counter, Tape]);
    const w2 = await second.work({ leaseMs: 2000 });
    // newest first from list; retry re-sends oldest first, so the order of the pushes is kept
    assert.equal(await second.deadLetters.retry(dead.map((d) => d.id)), 2);
    await waitFor('applied', async () => (await second.ref(Tape, 't-1').read()).items.length === 2);
    assert.deepEqual(await second.ref(Tape, 't-1').read(), { items: [7, 8] });
    assert.equal(await deadCount(second), 0);
    await assert.rejects(second.deadLetters.retry(dead[0]!.id), /no dead letter/);
    await w2.stop();
    await second.close();
  });

  it('refuses to retry an undecodable entry, skips it with all: true, and purges it', async () => {
    const troupe = await system();
    const worker = await troupe.work({ leaseMs: 2000 });
    await tellBytes(troupe, 'counter', 'u-1', Buffer.from([0xc1, 0xff, 0x00]));
    await troupe.ref('counter', 'u-2').tell('nope');
    await waitFor('dead-lettered', async () => (await deadCount(troupe)) === 2);
    const [bad] = await troupe.deadLetters.list({ reason: 'undecodable' });
    assert.ok(bad);
    assert.equal(bad.envelope, undefined);
    assert.match(bad.decodeError ?? '', /MessagePack/);
    assert.deepEqual([...bad.raw], [0xc1, 0xff, 0x00]);
    await assert.rejects(
      troupe.deadLetters.retry(bad.id),
      (err: unknown) =>
        err instanceof ConfigError &&
        /not a valid envelope/.test(err.message) &&
        /dead-letter it again/.test(err.message),
    );
    assert.equal(await troupe.deadLetters.retry({ all: true }), 1, 'only the decodable one');
    await waitFor(
      'u-2 dead-lettered again',
      async () => (await troupe.deadLetters.list({ actor: 'counter/u-2' })).length === 1,
    );
    assert.equal(await troupe.deadLetters.purge({ all: true, reason: 'undecodable' }), 1);
    assert.deepEqual(
      (await troupe.deadLetters.list()).map((d) => d.actor),
      ['counter/u-2'],
    );
    await worker.stop();
    await troupe.close();
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(ns: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['bin/troupe.mjs', '-r', redis.url, '-n', ns, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('troupe.deadLetters.retry routing', () => {
  it('re-sends a misrouted message to the actor its envelope names', async () => {
    const troupe = await system();
    const worker = await troupe.work({ leaseMs: 2000 });
    // a foreign sender put a message for counter/right into counter/wrong's mailbox
    const env = new Map<string, unknown>([
      ['v', 1],
      ['id', 'm-1'],
      ['type', 'counter'],
      ['actor', 'right'],
      ['method', 'add'],
      ['args', [4]],
      ['sentAt', Date.now()],
    ]);
    await tellBytes(troupe, 'counter', 'wrong', new Packr({ useRecords: false }).pack(env));
    await waitFor('misrouted', async () => (await deadCount(troupe)) === 1);
    const [d] = await troupe.deadLetters.list();
    assert.equal(d?.reason, 'misrouted');
    assert.equal(d?.actor, 'counter/wrong');
    assert.equal(await troupe.deadLetters.retry(d.id), 1);
    await waitFor('applied to right', async () => (await troupe.ref(Counter, 'right').read()).count === 4);
    assert.deepEqual(await troupe.ref(Counter, 'wrong').read(), { count: 0 });
    assert.equal(await deadCount(troupe), 0);
    await worker.stop();
    await troupe.close();
  });
});

describe('troupe dead-letters (CLI)', () => {
  it('lists as a table and JSON, shows, retries and purges', async () => {
    const troupe = await system();
    const ns = troupe.namespace;
    const worker = await troupe.work({ leaseMs: 2000 });
    await assert.rejects(troupe.ref(Counter, 'k-1').ask('fail', 'kaboom\nsecond line'), HandlerError);
    await troupe.ref('counter', 'k-2').tell('nope');
    await tellBytes(troupe, 'counter', 'k-3', Buffer.from('garbage'));
    await waitFor('three dead letters', async () => (await deadCount(troupe)) === 3);

    const table = await cli(ns, 'dead-letters', 'list');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^TIME\s+ID\s+ACTOR\s+REASON\s+ATTEMPTS\s+METHOD\s+ERROR$/);
    assert.equal(lines.length, 4);
    assert.match(
      lines[3]!,
      /counter\/k-1\s+handler-error\s+3\s+fail\s+Error: kaboom$/,
      'first line of the error',
    );
    assert.match(lines[2]!, /counter\/k-2\s+unknown-method\s+1\s+nope/);
    assert.match(lines[1]!, /counter\/k-3\s+undecodable\s+1\s+\?/);

    const json = await cli(ns, 'dead-letters', 'list', '--json', '--reason', 'handler-error');
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as { id: string; envelope: { args: unknown[] }; raw: string }[];
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.envelope.args, ['kaboom\nsecond line']);
    const failId = rows[0]!.id;

    const shown = await cli(ns, 'dead-letters', 'show', failId);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /reason\s+handler-error/);
    assert.match(shown.stdout, /message\s+fail\("kaboom\\nsecond line"\)/);
    const shownJson = await cli(ns, 'dead-letters', 'show', failId, '--json');
    assert.equal((JSON.parse(shownJson.stdout) as { reason: string }).reason, 'handler-error');

    const missing = await cli(ns, 'dead-letters', 'show', '1-0');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^troupe: no dead letter 1-0/);
    const badId = await cli(ns, 'dead-letters', 'retry', 'xyz');
    assert.equal(badId.code, 2);
    assert.match(badId.stderr, /^troupe: "xyz" is not a dead-letter id/);
    const both = await cli(ns, 'dead-letters', 'purge');
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^troupe: purge: give the ids/);
    const noNs = await cli('no-such-ns', 'dead-letters', 'list');
    assert.equal(noNs.code, 2);
    assert.match(noNs.stderr, /^troupe: no Troupe namespace "no-such-ns" on \S+: namespaces here: /);

    const [undecodable] = await troupe.deadLetters.list({ reason: 'undecodable' });
    const refused = await cli(ns, 'dead-letters', 'retry', undecodable!.id);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cannot be retried/);

    const retried = await cli(ns, 'dead-letters', 'retry', '--all', '--reason', 'handler-error');
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stderr, /retried 1/);
    // it fails again, so it comes back as a new entry
    await waitFor('failed again', async () =>
      (await troupe.deadLetters.list({ reason: 'handler-error' })).some((d) => d.id !== failId),
    );

    const all = await cli(ns, 'dead-letters', 'retry', '--all');
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stderr, /skipped 1 undecodable/);

    await waitFor('settled', async () => (await deadCount(troupe)) === 3);
    const purged = await cli(ns, 'dead-letters', 'purge', '--all');
    assert.equal(purged.code, 0, purged.stderr);
    assert.match(purged.stderr, /purged 3/);
    const empty = await cli(ns, 'dead-letters', 'list');
    assert.equal(empty.stdout, 'no dead letters\n');

    const help = await cli(ns, 'dead-letters', 'retry', '--help');
    assert.match(help.stdout, /Examples:/);
    await worker.stop();
    await troupe.close();
  });
});

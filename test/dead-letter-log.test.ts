/**
 * A message dead-lettered without running leaves a `warn` line with its reason, actor and message
 * id; the lines are rate-limited per reason, and what was held back is reported in one summary.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { connect, partitionOf, type Clock, type Logger, type Troupe } from '../src/index.ts';
import { withScripts } from '../src/redis/scripts.ts';
import { DeadLetterLog, type Rejection } from '../src/runtime/dead-letter-log.ts';
import { Counter } from './fixtures/actors.ts';
import { FakeClock } from './helpers/fake-clock.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

interface Line {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that keeps every line. */
function capture(): { logger: Logger; lines: Line[]; warns: () => Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines, warns: () => lines.filter((l) => l.level === 'warn') };
}

const rejection = (n: number, reason: Rejection['reason'] = 'unknown-method'): Rejection => ({
  reason,
  actor: `counter/c-${n}`,
  messageId: `m-${n}`,
  error: 'counter has no handler "nope"',
});

describe('the rate limit', () => {
  it('logs up to the limit per reason, then one summary line when the window ends', () => {
    const clock = new FakeClock();
    const { logger, warns } = capture();
    const log = new DeadLetterLog(logger, clock, { lines: 3, perMs: 60_000 });
    for (let n = 1; n <= 7; n++) log.note(rejection(n));
    log.note(rejection(8, 'undecodable'));
    assert.deepEqual(
      warns().map((l) => [l.obj.reason, l.obj.messageId]),
      [
        ['unknown-method', 'm-1'],
        ['unknown-method', 'm-2'],
        ['unknown-method', 'm-3'],
        ['undecodable', 'm-8'],
      ],
      'three lines of unknown-method; another reason has its own budget',
    );
    assert.equal(warns()[0]!.obj.actor, 'counter/c-1');
    assert.match(warns()[0]!.msg!, /dead-lettered message m-1 to counter\/c-1 \(unknown-method\)/);

    clock.advance(59_999);
    assert.equal(warns().length, 4, 'no summary before the window ends');
    clock.advance(1);
    const summary = warns()[4]!;
    assert.deepEqual(summary.obj, { reason: 'unknown-method', suppressed: 4 });
    assert.match(summary.msg!, /^suppressed 4 more dead-letter lines \(unknown-method\) in 60 s/);
    assert.equal(warns().length, 5, 'undecodable suppressed nothing: no summary for it');

    log.note(rejection(9));
    assert.equal(warns()[5]!.obj.messageId, 'm-9', 'a new window logs again');
  });

  it('flush reports what is held back at once (a stopping worker)', () => {
    const clock = new FakeClock();
    const { logger, warns } = capture();
    const log = new DeadLetterLog(logger, clock, { lines: 1, perMs: 60_000 });
    for (let n = 1; n <= 3; n++) log.note(rejection(n));
    log.flush();
    assert.deepEqual(warns()[1]!.obj, { reason: 'unknown-method', suppressed: 2 });
    clock.advance(60_000);
    assert.equal(warns().length, 2, 'the summary is not repeated');
  });
});

describe('a worker', () => {
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

  async function system(
    t: TestContext,
    logger: Logger,
    clock?: Clock,
  ): Promise<{ ns: string; troupe: Troupe; sender: Troupe }> {
    const ns = uniqueNamespace('dl-log');
    const troupe = await connect({
      redis: redis.url,
      namespace: ns,
      actors: [Counter],
      partitions: 4,
      logger,
      ...(clock ? { clock } : {}),
    });
    t.after(() => troupe.close());
    // a sender without the classes, and with a larger message limit than the worker's
    const sender = await connect({ redis: redis.url, namespace: ns, maxMessageBytes: 10_000 });
    t.after(() => sender.close());
    return { ns, troupe, sender };
  }

  it('logs each message dead-lettered without running: reason, actor and message id', async (t) => {
    const { logger, warns } = capture();
    const { troupe, sender } = await system(t, logger);
    await troupe.work({ leaseMs: 2000, maxMessageBytes: 1000 });
    await sender.ref('counter', 'a').tell('nope');
    await sender.ref('counter', 'b').tell('add');
    await sender.ref('counter', 'c').tell('add', 'x'.repeat(2000));
    await sender.ref('ghost', 'd').tell('boo');
    // bytes that are no envelope, as a broken sender in another language might write
    const p = partitionOf('counter', 'e', troupe.partitions);
    const k = troupe.keys;
    await withScripts(raw).run(
      'tell',
      [k.mailbox(p, 'counter/e'), k.ready(p), k.wake(p)],
      ['counter/e', Buffer.from([0xc1])],
    );
    await waitFor('five dead letters', async () => (await troupe.deadLetters.list()).length === 5);
    const dead = await troupe.deadLetters.list();
    await waitFor('five warn lines', () => warns().filter((l) => l.obj.reason).length === 5);

    const logged = warns()
      .filter((l) => l.obj.reason)
      .map((l) => [l.obj.actor, l.obj.reason, l.obj.messageId])
      .sort();
    // an oversized envelope is dead-lettered unread, so its line has no id
    const expected = dead
      .map((d) => [d.actor, d.reason, d.reason === 'oversized' ? undefined : d.envelope?.id])
      .sort();
    assert.deepEqual(logged, expected);
    assert.deepEqual(
      logged.map(([actor, reason]) => `${actor as string} ${reason as string}`),
      [
        'counter/a unknown-method',
        'counter/b invalid-args',
        'counter/c oversized',
        'counter/e undecodable',
        'ghost/d unknown-type',
      ],
    );
    const line = warns().find((l) => l.obj.reason === 'invalid-args')!;
    assert.equal(line.obj.error, 'counter.add expects 1 argument (n), got 0');
    assert.ok(line.obj.worker, 'the line names the worker');
  });

  it('a flood logs up to the limit, then one summary line when the window ends', async (t) => {
    const clock = new FakeClock();
    const { logger, warns } = capture();
    const { troupe, sender } = await system(t, logger, clock);
    await troupe.work({ leaseMs: 60_000 });
    const flood = 13;
    for (let n = 0; n < flood; n++) await sender.ref('counter', `f-${n}`).tell('nope');
    await waitFor('the flood dead-lettered', async () => (await troupe.deadLetters.list()).length === flood);
    const rejected = () => warns().filter((l) => l.obj.reason === 'unknown-method');
    assert.equal(rejected().length, 10, 'ten lines in the window');
    clock.advance(60_000);
    assert.deepEqual(rejected()[10]?.obj, {
      worker: rejected()[0]!.obj.worker,
      reason: 'unknown-method',
      suppressed: 3,
    });
    assert.match(rejected()[10]!.msg!, /^suppressed 3 more dead-letter lines \(unknown-method\)/);
  });
});

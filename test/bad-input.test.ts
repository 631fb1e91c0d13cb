/**
 * Guarantee 6, input by input: each bad message goes to the dead-letter stream with its reason and
 * original bytes, the next message of the same mailbox is applied, and the worker keeps running.
 * Bytes go in through the real tell script, as a sender in another language would put them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Packr } from 'msgpackr';
import { connect, HandlerError, partitionOf, type Troupe, type Worker } from '../src/index.ts';
import { ENVELOPE_VERSION } from '../src/protocol/envelope.ts';
import { withScripts } from '../src/redis/scripts.ts';
import { Counter } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

// Maps pack as MessagePack maps with any key, so a test can write keys a JS object literal cannot.
const packr = new Packr({ useRecords: false });
const pack = (v: unknown): Buffer => packr.pack(v);

let redis: TestRedis;
let raw: Redis;
let troupe: Troupe;
let worker: Worker;
let n = 0;

before(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url);
  troupe = await connect({
    redis: redis.url,
    namespace: uniqueNamespace('bad'),
    actors: [Counter],
    partitions: 4,
  });
  worker = await troupe.work({ leaseMs: 2000 });
});
after(async () => {
  console.error('AFTER start');
  // the worker survived every case: it still answers
  assert.equal(await troupe.ref(Counter, 'last').ask('value'), 0);
  assert.deepEqual(worker.stats().partitions, [0, 1, 2, 3]);
  console.error('AFTER asked', worker.stats());
  await worker.stop();
  console.error('AFTER stopped');
  await troupe.close();
  console.error('AFTER closed');
  raw.disconnect();
  await redis.stop();
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is not polluted');
});

/** A well-formed envelope map for counter/<id>, with `patch` entries set or (value undefined) removed. */
function envelope(
  id: string,
  method: string,
  args: unknown[],
  patch: [string, unknown][] = [],
): Map<string, unknown> {
  const m = new Map<string, unknown>([
    ['v', ENVELOPE_VERSION],
    ['id', `m-${id}`],
    ['type', 'counter'],
    ['actor', id],
    ['method', method],
    ['args', args],
    ['sentAt', Date.now()],
  ]);
  for (const [k, v] of patch) {
    if (v === undefined) m.delete(k);
    else m.set(k, v);
  }
  return m;
}

async function tellBytes(type: string, id: string, bytes: Buffer): Promise<void> {
  const k = troupe.keys;
  const p = partitionOf(type, id, troupe.partitions);
  const akey = `${type}/${id}`;
  await withScripts(raw).run('tell', [k.mailbox(p, akey), k.ready(p), k.wake(p)], [akey, bytes]);
}

/**
 * Sends `bytes` to a fresh counter, then a valid `add 1` behind it in the same mailbox; checks the
 * add is applied and the bad message is dead-lettered with `reason` and its original bytes.
 * `reason: null` means the message is harmless and is applied (or ignored) like any other.
 */
async function check(bytesFor: (id: string) => Buffer, reason: string | null, errorPattern?: RegExp) {
  const id = `b-${++n}`;
  const bytes = bytesFor(id);
  await tellBytes('counter', id, bytes);
  const c = troupe.ref(Counter, id);
  await c.tell('add', 1);
  await waitFor(`add 1 applied to ${id}`, async () => (await c.read()).count >= 1, 10_000);
  const dead = await troupe.deadLetters.list({ actor: `counter/${id}` });
  if (reason === null) {
    assert.deepEqual(dead, [], 'no dead letter');
    return;
  }
  assert.equal(dead.length, 1, `one dead letter for ${id}`);
  const d = dead[0]!;
  assert.equal(d.reason, reason);
  assert.ok(d.raw.equals(bytes), 'the original bytes are kept');
  assert.equal(d.attempts, 1);
  if (errorPattern) assert.match(d.error, errorPattern);
  assert.deepEqual(await c.read(), { count: 1 }, 'the bad message changed nothing');
}

describe('undecodable envelopes', () => {
  it('random garbage', () => check(() => randomBytes(64), 'undecodable'));
  it('an empty message', () => check(() => Buffer.alloc(0), 'undecodable'));
  it('bytes that are never valid MessagePack (0xc1)', () =>
    check(() => Buffer.from([0xc1, 0xc1, 0xc1]), 'undecodable', /not valid MessagePack/));
  it('truncated MessagePack', () =>
    check((id) => pack(envelope(id, 'add', [5])).subarray(0, 20), 'undecodable', /not valid MessagePack/));
  it('a valid envelope followed by trailing bytes', () =>
    check((id) => Buffer.concat([pack(envelope(id, 'add', [5])), Buffer.from([0x01, 0x02])]), 'undecodable'));
  it('deeply nested arrays (stack exhaustion)', () =>
    check(() => Buffer.concat([Buffer.alloc(200_000, 0x91), Buffer.from([0xc0])]), 'undecodable'));
  for (const [what, header] of [
    ['array32', [0xdd, 0x7f, 0xff, 0xff, 0xff]],
    ['map32', [0xdf, 0x7f, 0xff, 0xff, 0xff]],
    ['str32', [0xdb, 0x7f, 0xff, 0xff, 0xff]],
    ['bin32', [0xc6, 0x7f, 0xff, 0xff, 0xff]],
  ] as const) {
    it(`an ${what} header claiming 2^31 items with no data behind it`, () =>
      check(() => Buffer.from(header), 'undecodable'));
  }
  for (const [what, value] of [
    ['an array', [1, 2, 3]],
    ['a string', 'add 1'],
    ['a number', 42],
    ['nil', null],
    ['binary', Buffer.from('xyz')],
  ] as const) {
    it(`valid MessagePack that is not a map: ${what}`, () =>
      check(() => pack(value), 'undecodable', /must be a MessagePack map/));
  }
  it('a newer envelope version (v: 2)', () =>
    check(
      (id) => pack(envelope(id, 'add', [5], [['v', 2]])),
      'unsupported-version',
      /version 2 is not supported/,
    ));
  it('a version that is not a number', () =>
    check((id) => pack(envelope(id, 'add', [5], [['v', '1']])), 'undecodable', /"v"/));
  for (const field of ['v', 'id', 'type', 'actor', 'method', 'args']) {
    it(`a missing "${field}"`, () =>
      check(
        (id) => pack(envelope(id, 'add', [5], [[field, undefined]])),
        'undecodable',
        new RegExp(`"${field}"`),
      ));
  }
  it('a method that is not a string', () =>
    check((id) => pack(envelope(id, 'add', [5], [['method', 7]])), 'undecodable', /"method"/));
  it('args that are not an array', () =>
    check((id) => pack(envelope(id, 'add', [5], [['args', { 0: 5 }]])), 'undecodable', /"args"/));
  it('a replyTo that is not a string', () =>
    check((id) => pack(envelope(id, 'add', [5], [['replyTo', 12]])), 'undecodable', /"replyTo"/));
});

describe('envelopes that decode but cannot run', () => {
  it('an envelope addressed to another actor (misrouted)', () =>
    check((id) => pack(envelope(id, 'add', [5], [['actor', `${id}-other`]])), 'misrouted'));
  it('an unknown method', () =>
    check((id) => pack(envelope(id, 'nope', [5])), 'unknown-method', /no handler "nope"/));
  for (const method of [
    'apply',
    'initial',
    'constructor',
    '__proto__',
    'toString',
    'valueOf',
    'hasOwnProperty',
    '__defineGetter__',
    'append',
    'send',
    'ref',
    'turn',
    'state',
    'id',
    'context',
    'messageId',
  ]) {
    it(`a base-class or Object member as method: ${method}`, () =>
      check((id) => pack(envelope(id, method, [{ added: 1000 }])), 'unknown-method'));
  }

  it('an unknown actor type: its mailbox drains into dead letters, and other actors go on', async () => {
    const id = `t-${++n}`;
    const bytes = pack(envelope(id, 'add', [5], [['type', 'ghost']]));
    await tellBytes('ghost', id, bytes);
    await troupe.ref('ghost', id).tell('add', 1);
    await troupe.ref(Counter, id).tell('add', 1);
    await waitFor('counter applied', async () => (await troupe.ref(Counter, id).read()).count === 1);
    await waitFor(
      'both ghost messages dead',
      async () => (await troupe.deadLetters.list({ actor: `ghost/${id}` })).length === 2,
    );
    const dead = await troupe.deadLetters.list({ actor: `ghost/${id}` });
    assert.deepEqual(
      dead.map((d) => d.reason),
      ['unknown-type', 'unknown-type'],
    );
    assert.ok(dead[1]!.raw.equals(bytes));
    assert.match(dead[0]!.error, /no actor class of type "ghost"/);
    const k = troupe.keys;
    const p = partitionOf('ghost', id, troupe.partitions);
    assert.equal(await raw.llen(k.mailbox(p, `ghost/${id}`)), 0, 'the mailbox moved on');
  });
});

describe('asks that cannot run', () => {
  // a short timeout: the answer must come from the dead-lettering, not from giving up
  const opts = { askTimeoutMs: 3_000 };
  it('an ask for an unknown method rejects at once with the reason', async () => {
    const ref = troupe.ref('counter', `a-${++n}`, opts);
    await assert.rejects(
      ref.ask('nope'),
      (err: unknown) => err instanceof HandlerError && /unknown-method/.test(err.message),
    );
  });
  it('an ask to an unknown actor type rejects at once with the reason', async () => {
    const ref = troupe.ref('ghost', `a-${++n}`, opts);
    await assert.rejects(
      ref.ask('add', 1),
      (err: unknown) => err instanceof HandlerError && /unknown-type/.test(err.message),
    );
  });
});

describe('prototype pollution attempts', () => {
  const evil = () =>
    new Map<string, unknown>([
      ['__proto__', { polluted: true }],
      ['constructor', { prototype: { polluted: true } }],
    ]);

  it('__proto__ and constructor keys in the envelope map are ignored', () =>
    check((id) => pack(new Map([...envelope(id, 'add', [2]), ...evil()])), null));
  it('__proto__ and constructor keys inside the args (too many for add(n): dead-lettered after decoding)', () =>
    check(
      (id) => pack(envelope(id, 'add', [0, evil(), [evil()]])),
      'invalid-args',
      /counter\.add expects 1 argument \(n\), got 3/,
    ));
  it('__proto__ as the args of an unknown method', () =>
    check((id) => pack(envelope(id, '__proto__', [evil()])), 'unknown-method'));
  it('leaves Object.prototype untouched', () => {
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });
});

/**
 * Without `static schemas`, a message's argument count is still checked against the handler's
 * declared parameters: by the typed client before sending, by the HTTP ingress with --actors, and
 * by the worker for every sender that bypasses both (JSON/CLI, Python via FCALL, raw bytes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { arityError, arityOf, type Arity } from '../src/actor/arity.ts';
import { ActorRegistry } from '../src/actor/registry.ts';
import { HttpError } from '../src/http/errors.ts';
import { checkMessage } from '../src/http/request.ts';
import { connect, HandlerError, ValidationError } from '../src/index.ts';
import { Counter } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { systemForTest } from './helpers/system.ts';
import { waitFor } from './helpers/wait.ts';

type Fn = (...args: never[]) => unknown;
/** A function with exactly this source text, as a minifier or an ES5 compiler would write it. */
function fromSource(src: string): Fn {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the source text is the point
  return (new Function(`return ${src}`) as () => Fn)();
}
const shape = (a: Arity | undefined) => a && { min: a.min, max: a.max, params: a.params.join(', ') };

describe('reading a handler declaration', () => {
  class Shapes {
    plain(a: number, b: number) {
      return a + b;
    }
    async later(a: number) {
      return await Promise.resolve(a);
    }
    *pairs(a: number, b: number) {
      yield a + b;
    }
    defaults(a: number, b = Math.max(1, 2), c = { x: [1, 2], y: ')' }) {
      return a + b + c.x.length;
    }
    rest(a: number, ...more: number[]) {
      return a + more.length;
    }
    destructured({ a, b }: { a: number; b: number }, [c]: number[]) {
      return a + b + c!;
    }
    commented(a: number /* a, ( */, b: string) {
      return a + b;
    }
    ['computed' + '(x'](y: number) {
      return y;
    }
  }
  const method = (name: string) => (Shapes.prototype as unknown as Record<string, Fn>)[name]!;

  for (const [name, expected] of [
    ['plain', { min: 2, max: 2, params: 'a, b' }],
    ['later', { min: 1, max: 1, params: 'a' }],
    ['pairs', { min: 2, max: 2, params: 'a, b' }],
    ['defaults', { min: 1, max: 3, params: 'a, b?, c?' }],
    ['rest', { min: 1, max: Infinity, params: 'a, ...more' }],
    ['commented', { min: 2, max: 2, params: 'a, b' }],
    ['computed(x', { min: 1, max: 1, params: 'y' }],
  ] as const) {
    it(`a class method: ${name}`, () => assert.deepEqual(shape(arityOf(method(name))), expected));
  }

  it('destructured parameters count as one each', () => {
    const a = arityOf(method('destructured'));
    assert.equal(a?.min, 2);
    assert.equal(a?.max, 2);
  });

  it('minified and arrow functions', () => {
    const minified = fromSource('({add(n,t=1){return n+t}}).add');
    assert.deepEqual(shape(arityOf(minified)), { min: 1, max: 2, params: 'n, t?' });
    assert.deepEqual(shape(arityOf((n: number) => n)), { min: 1, max: 1, params: 'n' });
    assert.deepEqual(shape(arityOf(fromSource('async n => n'))), { min: 1, max: 1, params: 'n' });
  });

  it('is permissive (undefined: no check) where it cannot be sure', () => {
    const unsure: [string, Fn][] = [
      ['native code', Math.max],
      ['a bound function', ((a: number) => a).bind(null)],
      ['a body reading arguments', fromSource('function (a) { return arguments.length; }')],
      ['a regex in a default value', fromSource('function (a = /\\)/, b) {}')],
      ['an ES5 default value', fromSource('function (a, b) { if (b === void 0) { b = 1; } }')],
    ];
    for (const [what, fn] of unsure) assert.equal(arityOf(fn), undefined, what);
  });

  it('names the parameters in the error', () => {
    const one = { min: 1, max: 1, params: ['n'] };
    assert.equal(arityError('counter', 'add', one, 0), 'counter.add expects 1 argument (n), got 0');
    assert.equal(arityError('counter', 'add', one, 1), undefined);
    assert.equal(
      arityError('counter', 'value', { min: 0, max: 0, params: [] }, 1),
      'counter.value expects no arguments, got 1',
    );
    assert.equal(
      arityError('t', 'm', { min: 1, max: 2, params: ['a', 'b?'] }, 3),
      't.m expects 1 to 2 arguments (a, b?), got 3',
    );
    assert.equal(
      arityError('t', 'm', { min: 1, max: Infinity, params: ['a', '...more'] }, 0),
      't.m expects at least 1 argument (a, ...more), got 0',
    );
  });
});

describe('senders', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  const system = (t: TestContext) => systemForTest(t, redis.url, [Counter], 4);

  it('the typed client refuses a wrong count before sending, naming the parameters', async (t) => {
    const { troupe } = await system(t);
    const c = troupe.ref(Counter, 'c-1') as unknown as {
      tell(method: string, ...args: unknown[]): Promise<void>;
    };
    await assert.rejects(c.tell('add'), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.match(err.message, /^counter\.add expects 1 argument \(n\), got 0; nothing was sent\./);
      assert.match(err.message, /optional parameter \(n\?: T\)/, 'too few: names the likely cause');
      return true;
    });
    await assert.rejects(c.tell('value', 5), /^ValidationError: counter\.value expects no arguments, got 1/);
    assert.equal(await redis.client().dbsize(), 1, 'only the namespace meta key exists: nothing was sent');
  });

  it('the worker dead-letters a wrong count from an untyped sender and answers its ask with the names', async (t) => {
    const { ns, troupe } = await system(t);
    await troupe.work({ leaseMs: 2000 });
    // a client without the class cannot check; the worker does
    const untyped = await connect({ redis: redis.url, namespace: ns, askTimeoutMs: 20_000 });
    t.after(() => untyped.close());
    const c = untyped.ref('counter', 'c-2');
    await assert.rejects(c.ask('add'), (err: unknown) => {
      assert.ok(err instanceof HandlerError);
      assert.match(err.message, /invalid-args: counter\.add expects 1 argument \(n\), got 0/);
      return true;
    });
    await c.tell('slowAdd', 1);
    await c.tell('add', 2);
    await waitFor('the valid add applied', async () => (await troupe.ref(Counter, 'c-2').read()).count === 2);
    const dead = await troupe.deadLetters.list({ actor: 'counter/c-2' });
    assert.deepEqual(
      dead.map((d) => [d.reason, d.error]),
      [
        ['invalid-args', 'counter.slowAdd expects 2 arguments (n, ms), got 1'],
        ['invalid-args', 'counter.add expects 1 argument (n), got 0'],
      ],
    );
  });

  it("troupe ask (no --actors) prints the worker's error with the parameter names", async (t) => {
    const { ns, troupe } = await system(t);
    await troupe.work({ leaseMs: 2000 });
    const asked = await runCli(['-r', redis.url, '-n', ns, 'ask', 'counter', 'c-3', 'add', '-t', '20000']);
    assert.equal(asked.code, 2, asked.stderr);
    assert.equal(asked.stdout, '');
    assert.match(asked.stderr, /invalid-args: counter\.add expects 1 argument \(n\), got 0/);
    assert.deepEqual(await troupe.ref(Counter, 'c-3').read(), { count: 0 });
  });

  it('the HTTP ingress with --actors answers 400 invalid-args, naming the parameters', () => {
    const registry = new ActorRegistry([Counter]);
    const msg = {
      type: 'counter',
      id: 'h-1',
      method: 'add',
      args: [],
      ask: false,
      timeoutMs: undefined,
      ttlMs: undefined,
    };
    assert.throws(
      () => checkMessage(msg, registry),
      (err: unknown) =>
        err instanceof HttpError &&
        err.status === 400 &&
        err.code === 'invalid-args' &&
        /^counter\.add expects 1 argument \(n\), got 0; nothing was sent/.test(err.message),
    );
    assert.doesNotThrow(() => checkMessage({ ...msg, args: [1] }, registry));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type Troupe } from '../src/index.ts';
import { Counter, Tape } from './fixtures/actors.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

let redis: TestRedis;
const clients: Troupe[] = [];

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await redis.stop();
});

/** `troupe send <extra> --stdin` in a fresh namespace, fed `lines`. */
async function sendLines(ns: string, lines: string[], extra: string[] = []) {
  const input = lines.map((l) => `${l}\n`).join('');
  return runCli(['-r', redis.url, '-n', ns, 'send', ...extra, '--stdin'], process.env, { input });
}

/** A new namespace: send refuses one that does not exist, and these tests start their workers after sending. */
async function createNamespace(prefix: string): Promise<string> {
  const ns = uniqueNamespace(prefix);
  await (await connect({ redis: redis.url, namespace: ns })).close();
  return ns;
}

/** A client with an in-process worker on `ns`, to read what the CLI sent once it is handled. */
async function worker(ns: string): Promise<Troupe> {
  const troupe = await connect({ redis: redis.url, namespace: ns, actors: [Counter, Tape] });
  clients.push(troupe);
  await troupe.work({ concurrency: 64, leaseMs: 2000 });
  return troupe;
}

const line = (type: string, id: string, method: string, args?: unknown) =>
  JSON.stringify(args === undefined ? { type, id, method } : { type, id, method, args });

describe('troupe send --stdin', () => {
  it('sends 100,000 JSON lines to 300 counters and a few tapes: every context exact, tapes in order', async () => {
    const ns = await createNamespace('bulk');
    const counters = 300;
    const tapes = 5;
    const expected = new Array<number>(counters).fill(0);
    const tapeItems: number[][] = Array.from({ length: tapes }, () => []);
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      if (i % 100 === 0) {
        const t = (i / 100) % tapes;
        tapeItems[t]!.push(i);
        lines.push(line('tape', `t-${t}`, 'push', [i]));
      } else {
        const c = i % counters;
        const n = (i % 7) + 1;
        expected[c]! += n;
        lines.push(line('counter', `c-${c}`, 'add', [n]));
      }
    }

    const run = await sendLines(ns, lines);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '', 'stdout stays clean for scripts');
    assert.match(
      run.stderr,
      new RegExp(`troupe: sent 100000, failed 0 \\(bad lines\\) to namespace ${ns} in `),
    );
    assert.match(run.stderr, /messages\/s/);

    const troupe = await worker(ns);
    await waitFor(
      'every counter to reach its sum',
      async () => {
        const values = await Promise.all(expected.map((_, c) => troupe.ref(Counter, `c-${c}`).read()));
        return values.every((ctx, c) => ctx.count === expected[c]);
      },
      120_000,
    );
    for (let t = 0; t < tapes; t++) {
      assert.deepEqual(
        (await troupe.ref(Tape, `t-${t}`).read()).items,
        tapeItems[t],
        `tape t-${t} in line order`,
      );
    }
  });

  it('reports bad lines by number, still sends the good ones, and exits 1', async () => {
    const ns = await createNamespace('bulk-bad');
    const lines = [
      line('counter', 'g-1', 'add', [1]), // 1
      '{"type":"counter","id":"g-1","method":"add","args":[2]', // 2: invalid JSON (unclosed)
      line('counter', 'g-1', 'add', [4]), // 3
      JSON.stringify({ type: 'counter', id: 'g-2', args: [8] }), // 4: no method
      line('counter', 'g-2', 'add', [16]), // 5
      line('counter', 'g-2', 'add', 32), // 6: args not an array
      '', // 7: blank, skipped quietly
      line('counter', 'g-1', 'add', [64]), // 8
    ];
    const run = await sendLines(ns, lines);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /troupe: sent 4, failed 3 \(bad lines\)/);
    assert.match(run.stderr, /troupe: line 2: not valid JSON .*e\.g\. \{"type":"counter"/);
    assert.match(run.stderr, /troupe: line 4: missing "method"/);
    assert.match(run.stderr, /troupe: line 6: "args" must be a JSON array .*"args":\[32\]/);
    assert.doesNotMatch(run.stderr, /line [1357]:|line 8:/, 'good and blank lines are not reported');
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');

    const troupe = await worker(ns);
    await waitFor('the good lines to be handled', async () => {
      const [a, b] = await Promise.all(['g-1', 'g-2'].map((id) => troupe.ref(Counter, id).read()));
      return a?.count === 1 + 4 + 64 && b?.count === 16;
    });
  });

  it('takes the type once on the command line', async () => {
    const ns = await createNamespace('bulk-type');
    const lines = [
      JSON.stringify({ id: 'd-1', method: 'add', args: [3] }),
      JSON.stringify({ type: 'counter', id: 'd-1', method: 'add', args: [4] }),
      JSON.stringify({ type: 'tape', id: 'd-1', method: 'push', args: [1] }),
    ];
    const run = await sendLines(ns, lines, ['counter']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /sent 2, failed 1/);
    assert.match(run.stderr, /line 3: "type" is "tape" but the command line says counter/);
    const troupe = await worker(ns);
    await waitFor('d-1 to reach 7', async () => (await troupe.ref(Counter, 'd-1').read()).count === 7);
  });

  it('checks the lines without sending with --dry-run', async () => {
    const ns = uniqueNamespace('bulk-dry');
    const run = await sendLines(ns, [line('counter', 'e-1', 'add', [1]), '{"id":"e-1"}'], ['--dry-run']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /dry run: checked 2 lines in \S+ s: 1 would be sent, 1 bad; nothing was sent/);
    assert.match(run.stderr, /line 2: missing "type"/);
    assert.match(run.stderr, /fix those lines, then run again without --dry-run to send/);
    // "sent" only as "would be sent" and "nothing was sent": a dry run never claims it sent a line
    assert.doesNotMatch(run.stderr.replace(/would be sent|nothing was sent/g, ''), /\bsent\b/);
    // a dry run never connects, so the namespace has no key at all
    const [, keys] = await redis.client().scan('0', 'MATCH', `*${ns}*`, 'COUNT', 100_000);
    assert.deepEqual(keys, []);
  });

  it('refuses ambiguous usage with exit 2 and says what to type', async () => {
    const ns = uniqueNamespace('bulk-usage');
    const dash = await runCli(['-r', redis.url, '-n', ns, 'send', '-'], process.env, { input: '' });
    assert.equal(dash.code, 2);
    assert.match(dash.stderr, /^troupe: '-' is not an actor type; .*--stdin/);
    const both = await sendLines(ns, [], ['counter', 'c-1']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^troupe: with --stdin every line names its actor/);
    const window = await runCli([
      '-r',
      redis.url,
      '-n',
      ns,
      'send',
      'counter',
      'c-1',
      'add',
      '1',
      '--window',
      '5',
    ]);
    assert.equal(window.code, 2);
    assert.match(window.stderr, /^troupe: --window goes with --stdin/);
  });
});

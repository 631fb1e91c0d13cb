import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { connect } from '../src/index.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { runCli } from './helpers/run.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

const BIN = 'bin/troupe.mjs';

let redis: TestRedis;
let ns: string;
let worker: ChildProcess;
let workerLog = '';
let workerExit: Promise<number | null>;

/** The CLI pointed at this file's Redis and the namespace the worker serves. */
const cli = (...args: string[]) => runCli(['-r', redis.url, '-n', ns, ...args]);

before(async () => {
  redis = await startRedis();
  ns = uniqueNamespace('cli');
  worker = spawn(
    process.execPath,
    [BIN, '-r', redis.url, '-n', ns, 'worker', '-a', './test/fixtures/actors.ts', '--lease-ms', '2000'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  worker.stderr!.on('data', (d: Buffer) => (workerLog += d.toString()));
  workerExit = new Promise((r) => worker.on('exit', (code) => r(code)));
  // A failed test must not leave the worker running.
  process.once('exit', () => worker.kill('SIGKILL'));
  await waitFor('worker ready', () => {
    if (worker.exitCode !== null) throw new Error(`worker exited early (${worker.exitCode}):\n${workerLog}`);
    return workerLog.includes('worker ready');
  });
});

after(async () => {
  worker.kill('SIGTERM');
  const code = await workerExit;
  await redis.stop();
  assert.equal(code, 0, `worker did not stop cleanly:\n${workerLog}`);
});

describe('troupe send and ask', () => {
  it('sends JSON arguments and prints the reply as JSON', async () => {
    for (let i = 0; i < 2; i++) {
      const sent = await cli('send', 'counter', 'c-1', 'add', '5');
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(sent.stdout, '', 'send keeps stdout clean for scripts');
    }
    const asked = await cli('ask', 'counter', 'c-1', 'value');
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(asked.stdout, '10\n');
  });

  it('takes the arguments as one JSON array with --args, and negative numbers as positionals', async () => {
    assert.equal((await cli('send', 'counter', 'c-2', 'add', '--args', '[3]')).code, 0);
    assert.equal((await cli('send', 'counter', 'c-2', 'add', '-1')).code, 0);
    const asked = await cli('ask', 'counter', 'c-2', 'value', '--args', '[]');
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(JSON.parse(asked.stdout), 2);
  });

  it('gives a message a time to live with --ttl, carried in its envelope', async () => {
    // the worker runs it at once, well within a minute; what --ttl changes is the envelope
    assert.equal((await cli('send', 'counter', 'ttl-1', 'add', '2', '--ttl', '60000')).code, 0);
    const asked = await cli('ask', 'counter', 'ttl-1', 'value', '--ttl', '60000');
    assert.equal(asked.stdout, '2\n', asked.stderr);
    // a type the worker lacks is dead-lettered with its bytes as sent: there the ttl shows
    assert.equal((await cli('send', 'nobody', 'n-1', 'hi', '--ttl', '45000')).code, 0);
    const troupe = await connect({ redis: redis.url, namespace: ns });
    try {
      await waitFor(
        'dead-lettered',
        async () => (await troupe.deadLetters.list({ actor: 'nobody/n-1' })).length === 1,
      );
      const [dead] = await troupe.deadLetters.list({ actor: 'nobody/n-1' });
      assert.equal(dead?.envelope?.ttl, 45_000);
    } finally {
      await troupe.close();
    }
    const bad = await cli('send', 'counter', 'ttl-1', 'add', '2', '--ttl', '0');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--ttl.*positive whole number/);
  });

  it('reports a handler that throws, with its message', async () => {
    const asked = await cli('ask', 'counter', 'f-1', 'fail', '"boom"');
    assert.equal(asked.code, 2);
    assert.equal(asked.stdout, '');
    assert.match(asked.stderr, /^troupe: .*boom/);
  });
});

describe('troupe worker process title', () => {
  /** What `ps` shows for the worker: its command line, which the title replaces. */
  const title = () => readFileSync(`/proc/${worker.pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();

  it('says "troupe worker <name> [pools] idle", and busy while a turn runs', async () => {
    await waitFor('idle title', () => /^troupe worker \S+ \[default\] idle$/.test(title()));
    const asked = cli('ask', 'counter', 'title-1', 'slowAdd', '1', '3000');
    await waitFor('busy title', () => /^troupe worker \S+ \[default\] busy$/.test(title()));
    assert.equal((await asked).stdout, '1\n');
    await waitFor('idle again', () => title().endsWith(' idle'));
  });
});

describe('troupe usage errors', () => {
  it('rejects an argument that is not JSON, naming it and showing how to quote it', async () => {
    const sent = await cli('send', 'counter', 'c-3', 'add', '5', 'hello');
    assert.equal(sent.code, 2);
    assert.match(sent.stderr, /^troupe: argument 2 \(hello\) is not valid JSON/);
    assert.ok(sent.stderr.includes(`'"hello"'`), sent.stderr);
    assert.doesNotMatch(sent.stderr, /\n\s+at /, 'no stack trace');
  });

  it('rejects --args that is not a JSON array', async () => {
    const sent = await cli('send', 'counter', 'c-3', 'add', '--args', '5');
    assert.equal(sent.code, 2);
    assert.match(sent.stderr, /^troupe: --args must be a JSON array/);
  });

  it('times out an ask nobody serves and says to start a worker', async () => {
    const idle = uniqueNamespace('cli-idle');
    // a namespace that exists (ask refuses one that does not) but that no worker serves
    assert.equal((await runCli(['-r', redis.url, '-n', idle, 'setup'])).code, 0);
    const asked = await runCli([
      '-r',
      redis.url,
      '-n',
      idle,
      'ask',
      'counter',
      'c-1',
      'value',
      '--timeout',
      '300',
    ]);
    assert.notEqual(asked.code, 0);
    assert.equal(asked.stdout, '');
    assert.match(asked.stderr, /^troupe: no reply/);
    assert.ok(asked.stderr.includes(`troupe worker -n ${idle}`), asked.stderr);
  });

  it('suggests help for an unknown command', async () => {
    const run = await runCli(['bogus']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^troupe: unknown command 'bogus'/);
    assert.match(run.stderr, /Usage: troupe/);
  });
});

describe('troupe --help', () => {
  it("shows each global option's default once, the environment variable included", async () => {
    const env = { ...process.env, REDIS_URL: 'redis://elsewhere:6390', TROUPE_NAMESPACE: 'shop' };
    const help = (await runCli(['--help'], env)).stdout.replace(/\s+/g, ' ');
    assert.ok(
      help.includes(
        ' -r, --redis <url> Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379) ' +
          '-n, --namespace <ns> namespace of the system (default: $TROUPE_NAMESPACE, else "default") ' +
          '--wait-replicas <n> replicas every write waits for before it counts (Redis WAIT; default: ' +
          '$TROUPE_WAIT_REPLICAS, else 0) -h,',
      ),
      help,
    );
    assert.doesNotMatch(help, /elsewhere|"shop"/, 'no second default taken from the environment');
  });

  it('shows examples at the top level and for every command', async () => {
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Examples:/);
    for (const command of ['worker', 'send', 'ask']) {
      assert.match(top.stdout, new RegExp(`\\$ troupe .*${command} `), `top-level example of ${command}`);
      const help = await runCli([command, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Examples:/, `${command} --help`);
    }
  });
});

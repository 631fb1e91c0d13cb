import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_RETRY } from '../src/actor/registry.ts';
import { DEAD_LETTER_REASONS } from '../src/protocol/dead-letter-reasons.ts';
import { Counter } from './fixtures/actors.ts';
import { Critical } from './fixtures/pools/critical.ts';
import { PYTHON } from './helpers/python.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { ROOT, runCli, runProgram, type Run } from './helpers/run.ts';
import { freshSystem } from './helpers/system.ts';
import { uniqueNamespace, waitFor } from './helpers/wait.ts';

// The docs make promises about the code; these tests hold them to it, so a change to the code
// that leaves a doc behind fails here rather than misleading a reader.

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** From the line `heading` to the next heading of the same or a higher level. */
function section(doc: string, heading: string): string {
  const lines = doc.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `no heading "${heading}"`);
  const level = heading.indexOf(' ');
  let end = start + 1;
  for (; end < lines.length; end++) {
    const m = /^(#+) /.exec(lines[end]!);
    if (m && m[1]!.length <= level) break;
  }
  return lines.slice(start, end).join('\n');
}

/** The cells of the table row whose first cell is `first`. */
function row(text: string, first: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`| ${first} `) || l.startsWith(`| ${first}|`));
  assert.ok(line, `no table row starting with ${first}`);
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

/** The first cells of the body rows of the text's first table, without their backticks. */
function firstColumn(text: string): string[] {
  const lines = text.split('\n');
  const rule = lines.findIndex((l) => /^\|[\s|:-]+\|$/.test(l));
  assert.ok(rule > 0, 'a table');
  const body = lines.slice(rule + 1);
  const end = body.findIndex((l) => !l.startsWith('|'));
  return body.slice(0, end < 0 ? undefined : end).map((l) => /^\| `([^`]+)`/.exec(l)?.[1] ?? l);
}

/** Every `code span` in the text. */
const spans = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

function show(r: Run): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

describe('dead-letter reasons in the docs', () => {
  const reasons = [...DEAD_LETTER_REASONS];

  it('README.md lists every reason, in the order of DEAD_LETTER_REASONS', () => {
    const text = section(read('README.md'), '### Dead letters');
    const list = /the reason \(([\s\S]*?)\]\(/.exec(text);
    assert.ok(list, 'README "Dead letters" names the reasons as "the reason (`a`, `b` … [docs](…))"');
    assert.deepEqual(spans(list[1]!), reasons);
  });

  it('docs/protocol.md lists every reason in the stream fields and explains each one', () => {
    const doc = read('docs/protocol.md');
    const value = row(section(doc, '## Dead letters'), '`reason`')[1]!;
    assert.deepEqual(spans(value), reasons);
    const table = section(doc, '### What a worker does with a bad envelope');
    assert.deepEqual(firstColumn(table), reasons);
  });

  it('docs/failures.md explains every reason', () => {
    const table = section(read('docs/failures.md'), '## Bad input');
    assert.deepEqual(firstColumn(table).sort(), [...reasons].sort());
  });

  it('`troupe dead-letters --help` lists every reason, in the same order', async () => {
    const r = await runCli(['dead-letters', '--help']);
    assert.equal(r.code, 0, show(r));
    const line = r.stdout.split('\n').find((l) => l.startsWith('Reasons: '));
    assert.ok(line, show(r));
    assert.deepEqual(line.slice('Reasons: '.length).replace(/\.$/, '').split(', '), reasons);
  });
});

describe('docs/protocol.md against the code', () => {
  const doc = read('docs/protocol.md');

  it('says what `attempts` holds: retries of handler-error, 1 otherwise', () => {
    const attempts = row(section(doc, '## Dead letters'), '`attempts`')[1]!;
    assert.doesNotMatch(attempts, /always/, 'handler errors are retried (static retry) before they are dead');
    assert.match(attempts, new RegExp(`default ${DEFAULT_RETRY.attempts}\\b`));
    assert.match(attempts, /`1` for every other reason/);
  });

  it('says every dead letter keeps the original bytes (the runtime stores the mailbox bytes)', () => {
    const envelope = row(section(doc, '## Dead letters'), '`envelope`')[1]!;
    assert.doesNotMatch(envelope, /except|re-encoded/);
    const table = section(doc, '### What a worker does with a bad envelope');
    for (const reason of DEAD_LETTER_REASONS) {
      assert.equal(row(table, `\`${reason}\``).at(-1), 'original bytes', reason);
    }
  });

  it('names the Node client send path, tell_batch.lua, wherever it writes', () => {
    // the send scripts the client runs, as they are named in the code
    const clientDir = join(ROOT, 'src/client');
    const run = new Set<string>();
    for (const f of readdirSync(clientDir)) {
      for (const m of readFileSync(join(clientDir, f), 'utf8').matchAll(/\.run\(\s*'(tell\w*)'/g))
        run.add(m[1]!);
    }
    assert.ok(run.has('tell_batch'), 'the client sends with tell_batch (src/client/tell-batcher.ts)');
    for (const script of run) assert.ok(doc.includes(`\`${script}.lua\``), `${script}.lua is documented`);
    const keys = section(doc, '## Keys');
    for (const key of [
      '`{troupe:<ns>:<p>}:mb:<akey>`',
      '`{troupe:<ns>:<p>}:ready`',
      '`{troupe:<ns>:<p>}:wake`',
    ]) {
      assert.match(row(keys, key).at(-1)!, /`tell_batch\.lua`/, `${key} is written by tell_batch.lua`);
    }
    const send = section(doc, '## The send script');
    assert.match(send, /Node client's `tell` and `ask` run `tell_batch\.lua`/);
  });
});

it('the README lists as "not built yet" nothing that is built', async () => {
  const paragraphs = read('README.md').split(/\n\s*\n/);
  const roadmap = paragraphs.filter((p) => /not built/i.test(p)).join('\n');
  // a command of the CLI or a page of docs/ is built; the roadmap must not name one
  const help = await runCli(['--help']);
  assert.equal(help.code, 0, show(help));
  const commands = help.stdout
    .split('Commands:')[1]!
    .split('\n\n')[0]!
    .split('\n')
    .map((l) => l.trim().split(/\s/)[0]!)
    .filter((c) => c && c !== 'help');
  assert.ok(commands.includes('info'), help.stdout);
  for (const c of commands) assert.doesNotMatch(roadmap, new RegExp(`troupe ${c}\\b`), `troupe ${c} exists`);
  const pages = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => f.slice(0, -3).replace(/-/g, ' '));
  assert.ok(pages.includes('metrics') && pages.includes('tracing'));
  for (const page of pages) {
    assert.doesNotMatch(roadmap, new RegExp(`\\b${page}\\b`, 'i'), `docs/${page}.md documents it as built`);
  }
});

describe('the redis-cli FCALL recipe in docs/protocol.md', () => {
  const MARK = '<!-- recipe: redis-cli-fcall';
  const FIRST = /^REDIS_URL=\S+ NS=\S+ TYPE=\S+ ID=\S+ METHOD=\S+ ARGS='[^']*'$/;
  let redis: TestRedis;
  before(async () => {
    // fails, never skips, when the recipe's one dependency is missing
    const py = spawnSync(PYTHON, ['-c', 'import msgpack'], { encoding: 'utf8' });
    assert.equal(
      py.status,
      0,
      `${PYTHON} cannot import msgpack: apt-get install python3-msgpack\n${py.stderr}`,
    );
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  /** The shell block right after the marker comment, with its first line (the settings) replaced. */
  function recipe(settings: string): string {
    const doc = read('docs/protocol.md');
    const at = doc.indexOf(MARK);
    assert.ok(at >= 0, `docs/protocol.md has no ${MARK} marker`);
    const block = /^.*-->\n```sh\n([\s\S]*?)\n```\n/.exec(doc.slice(at));
    assert.ok(block, 'a ```sh block follows the marker');
    const lines = block[1]!.split('\n');
    assert.match(lines[0]!, FIRST, 'the first line holds every setting');
    return [settings, ...lines.slice(1)].join('\n');
  }

  /** Runs the recipe with bash as a user's shell would, but stopping at the first failure. */
  function runRecipe(settings: string): Promise<Run> {
    // Debian's python3-msgpack installs for /usr/bin/python3, which may not be the python3 first on
    // PATH (see helpers/python.ts)
    const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` };
    return runProgram('bash', ['-euo', 'pipefail', '-c', recipe(settings)], env, 60_000);
  }

  it('sends a message a worker applies, to the partition Node computes', async () => {
    // 16 partitions, not the default: the recipe must read P; a non-ASCII id checks UTF-8 hashing
    const { ns, troupe } = await freshSystem(redis.url, [Counter], 16);
    const worker = await troupe.work({ leaseMs: 2000 }); // a starting worker installs the functions
    try {
      const r = await runRecipe(`REDIS_URL=${redis.url} NS=${ns} TYPE=counter ID=ü-7 METHOD=add ARGS='[5]'`);
      assert.equal(r.code, 0, show(r));
      assert.equal(r.stdout.trim(), '1', `FCALL returns the mailbox length\n${show(r)}`);
      const c = troupe.ref(Counter, 'ü-7');
      await waitFor('the worker applies the message', async () => (await c.read()).count === 5);
      const again = await runRecipe(
        `REDIS_URL=${redis.url} NS=${ns} TYPE=counter ID=ü-7 METHOD=add ARGS='[2]'`,
      );
      assert.equal(again.code, 0, show(again));
      await waitFor('the second message too', async () => (await c.read()).count === 7);
      assert.equal(await c.ask('value'), 7);
      assert.deepEqual(await troupe.deadLetters.list(), [], 'nothing was dead-lettered');
    } finally {
      await worker.stop();
      await troupe.close();
    }
  });

  it('sends to a type in a pool of its own, in that pool’s partitions', async () => {
    const { ns, troupe } = await freshSystem(redis.url, [Critical], 4);
    const worker = await troupe.work({ leaseMs: 2000 });
    try {
      const r = await runRecipe(`REDIS_URL=${redis.url} NS=${ns} TYPE=critical ID=c-1 METHOD=ping ARGS='[]'`);
      assert.equal(r.code, 0, show(r));
      assert.equal(await troupe.ref(Critical, 'c-1').ask('ping'), 2, 'the recipe’s ping ran first');
      assert.ok(
        worker.stats().partitions.every((p) => p >= 4),
        'the worker serves pool critical only',
      );
      assert.deepEqual(await troupe.deadLetters.list(), [], 'nothing was dead-lettered');
    } finally {
      await worker.stop();
      await troupe.close();
    }
  });

  it('stops before sending when the namespace does not exist, and says how to create it', async () => {
    const ns = uniqueNamespace('nope');
    const r = await runRecipe(`REDIS_URL=${redis.url} NS=${ns} TYPE=counter ID=c-1 METHOD=add ARGS='[5]'`);
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.stderr, new RegExp(`no namespace ${ns} .*npx troupe -r \\S+ -n ${ns} setup`), show(r));
    assert.deepEqual(await redis.client().keys(`*${ns}*`), [], 'nothing was written');
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { actorModuleUrl } from '../src/cli/actor-module-url.ts';
import { ConfigError } from '../src/errors.ts';
import { ROOT, runCli } from './helpers/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'troupe-actors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('--actors paths', () => {
  it('resolves a relative path against the working directory', () => {
    writeFileSync(join(dir, 'actors.mjs'), 'export {};\n');
    assert.equal(actorModuleUrl('./actors.mjs', dir), pathToFileURL(join(dir, 'actors.mjs')).href);
    assert.equal(actorModuleUrl('actors.mjs', dir), pathToFileURL(join(dir, 'actors.mjs')).href);
  });

  it('refuses a path that does not exist, naming the absolute path it looked for', () => {
    for (const spec of ['./nonexist.ts', '../elsewhere/actors.js', 'actors.mts', join(dir, 'gone.cjs')]) {
      assert.throws(
        () => actorModuleUrl(spec, dir),
        (err: Error) =>
          err instanceof ConfigError && err.message.includes(`no such file: ${resolve(dir, spec)} `),
        spec,
      );
    }
  });

  it('leaves a bare name that is no file to the package resolver', () => {
    assert.equal(actorModuleUrl('my-actors-package', dir), 'my-actors-package');
    assert.equal(actorModuleUrl('@scope/actors', dir), '@scope/actors');
  });

  it('troupe worker -a ./nonexist.ts says "no such file" with the path from the working directory', async () => {
    const run = await runCli(['worker', '-a', './nonexist.ts']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^troupe: cannot load actor module "\.\/nonexist\.ts": no such file: /);
    assert.ok(run.stderr.includes(`no such file: ${join(ROOT, 'nonexist.ts')} `), run.stderr);
    assert.doesNotMatch(run.stderr, /src\/cli/, 'nothing about the CLI’s own folder');
  });

  it('resolves against the folder the command runs in, not the repository', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/troupe.mjs'), 'worker', '-a', './nope.ts'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(run.status, 2, run.stderr);
    assert.ok(run.stderr.includes(`no such file: ${join(dir, 'nope.ts')} `), run.stderr);
  });
});

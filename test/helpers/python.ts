import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runProgram, type Run } from './run.ts';

/** Debian's interpreter: python3-redis and python3-msgpack install for it, not for a pyenv python3. */
export const PYTHON = '/usr/bin/python3';

let missing: string | undefined;
/** Fails (never skips) when the Python side is not installed, and says how to install it. */
export function requirePython(): void {
  missing ??= (() => {
    const r = spawnSync(PYTHON, ['-c', 'import redis, msgpack'], { encoding: 'utf8' });
    if (r.status === 0) return '';
    return (
      `${PYTHON} cannot import redis and msgpack (${r.error?.message ?? r.stderr.trim()}). ` +
      'Run .ci/run, or apt-get install python3-redis python3-msgpack (CI installs them).'
    );
  })();
  if (missing) assert.fail(missing);
}

/**
 * Runs `/usr/bin/python3 <args>` from the repository root and collects what it printed. `extra`
 * adds to the environment, from which pyenv and virtualenv paths are removed.
 */
export function runPython(args: string[], extra: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Run> {
  requirePython();
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...extra };
  for (const k of ['PYTHONPATH', 'PYTHONHOME', 'VIRTUAL_ENV']) delete env[k];
  return runProgram(PYTHON, args, env, timeoutMs);
}

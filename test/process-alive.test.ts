import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { processAlive } from '../src/runtime/process-alive.ts';

it('an orphan that has exited is not alive, even while it waits as a zombie to be reaped', async () => {
  // sh starts sleep in the background and exits: sleep is re-parented to PID 1, which in containers
  // reaps late or never, so after it ends it lingers as a zombie that kill(pid, 0) still finds
  const sh = spawn('sh', ['-c', 'sleep 1 >/dev/null 2>&1 & echo $!'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  sh.stdout.on('data', (d: Buffer) => (out += String(d)));
  await new Promise((resolve) => sh.on('close', resolve));
  const pid = Number(out.trim());
  assert.ok(processAlive(pid), 'alive while it sleeps');
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(5)) {
    const state = processState(pid);
    if (state === 'Z') assert.equal(processAlive(pid), false, 'a zombie is not alive');
    if (state === undefined) break;
  }
  assert.equal(processAlive(pid), false);
  assert.equal(processAlive(process.pid), true);
  assert.equal(processAlive(0), false);
});

function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2];
  } catch {
    return undefined;
  }
}

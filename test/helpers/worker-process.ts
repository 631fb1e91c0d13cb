import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait.ts';

/** A real `troupe` process (a worker, the dashboard), with its stderr (pino JSON logs) collected for assertions. */
export interface WorkerProcess {
  proc: ChildProcess;
  pid: number;
  output(): string;
  /** Log lines (pino JSON) whose msg matches. */
  logs(msg: string): Record<string, unknown>[];
  exited(): Promise<number | null>;
  /** SIGTERM (a graceful stop); resolves with the exit code. */
  terminate(): Promise<number | null>;
}

export async function spawnWorker(
  url: string,
  namespace: string,
  actorsModule: string,
  extra: string[] = [],
): Promise<WorkerProcess> {
  return spawnTroupe(['-r', url, '-n', namespace, 'worker', '-a', actorsModule, ...extra], 'worker ready');
}

/** Runs `troupe <args>` and resolves once it logs `ready` (a pino msg). */
export async function spawnTroupe(args: string[], ready: string): Promise<WorkerProcess> {
  const proc = spawn(process.execPath, ['bin/troupe.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  process.once('exit', () => proc.kill('SIGKILL'));
  const wp: WorkerProcess = {
    proc,
    pid: proc.pid!,
    output: () => out,
    logs: (msg) =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === msg),
    exited: () => exit,
    terminate: () => {
      proc.kill('SIGTERM');
      return exit;
    },
  };
  await waitFor(ready, () => {
    if (proc.exitCode !== null)
      throw new Error(`troupe ${args.join(' ')} exited early (${proc.exitCode}):\n${out}`);
    return wp.logs(ready).length > 0;
  });
  return wp;
}

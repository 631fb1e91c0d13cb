import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A private redis-server for one test file, on a free port, that can be stopped and restarted. */
export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  client(): Redis;
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPing(port: number, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
    const r = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      return;
    } catch {
      r.disconnect();
      await new Promise((res) => setTimeout(res, 30));
    }
  }
  throw new Error('redis-server did not answer within 10 s');
}

/** Starts redis-server; extra args go on its command line (e.g. ['--appendonly', 'yes']). */
export async function startRedis(extra: string[] = []): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'troupe-redis-'));
  let proc: ChildProcess | undefined;
  const clients: Redis[] = [];
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    ...extra,
  ];
  const start = async () => {
    proc = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(port, proc);
  };
  await start();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((res) => {
      p.once('exit', () => res());
      p.kill(signal);
    });
  };
  process.once('exit', () => proc?.kill('SIGKILL'));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    client() {
      const c = new Redis({ port, host: '127.0.0.1' });
      clients.push(c);
      return c;
    },
    start,
    async stop(signal) {
      for (const c of clients.splice(0)) c.disconnect();
      await stop(signal);
      if (signal === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

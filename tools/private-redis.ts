/**
 * A private, throw-away redis-server: a free port on 127.0.0.1, its own temp dir, no persistence
 * (`--save '' --appendonly no`). Used by the tests (through test/helpers/redis-server.ts) and by
 * `npm run demo` when REDIS_URL is not set. It can be stopped (gracefully or with any signal, e.g.
 * SIGKILL to simulate a crash) and started again on the same port.
 *
 * @example
 * ```ts
 * const redis = await startPrivateRedis();
 * console.log(redis.url); // redis://127.0.0.1:40123
 * await redis.stop();     // stops it and removes its temp dir
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { Redis } from 'ioredis';

/** A running private redis-server. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Its working directory (and log file, `redis.log`). */
  dir: string;
  /** A new ioredis client to this server; disconnected by `stop()`. */
  client(): Redis;
  /**
   * Stops the server. Without a signal: SIGTERM, then the temp dir is removed (final stop). With a
   * signal (e.g. 'SIGKILL'): the dir is kept so `start()` can bring the server back.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again (same port, same dir) after `stop(signal)`. */
  start(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Extra redis-server arguments, e.g. `['--appendonly', 'yes']` (they come last, so they win). */
  args?: string[];
  /** The redis-server executable (default: `redis-server` on PATH). */
  bin?: string;
  /** How long to wait for the first PING (default 10 000 ms). */
  startTimeoutMs?: number;
  /** A Redis Cluster node: a port whose cluster bus port (port + 10000) is free too. */
  clusterNode?: boolean;
}

/** Thrown when there is no redis-server to start; the message says how to get one. */
export class RedisServerNotFoundError extends Error {
  constructor(bin: string) {
    super(
      `cannot find "${bin}" on PATH: Troupe's tests and demo start a private Redis of their own.\n` +
        '  Debian/Ubuntu: sudo apt-get install redis-server\n' +
        '  macOS:         brew install redis\n' +
        '  or point REDIS_URL at an existing Redis (e.g. REDIS_URL=redis://127.0.0.1:6379 npm run demo).',
    );
    this.name = 'RedisServerNotFoundError';
  }
}

/** The path of an executable, searched on PATH like a shell does, or undefined. */
export function findExecutable(bin: string): string | undefined {
  const candidates = isAbsolute(bin) || bin.includes('/') ? [bin] : (process.env.PATH ?? '').split(delimiter);
  for (const c of candidates) {
    const path = c === bin ? bin : join(c, bin);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A port free on 127.0.0.1 now: the one the OS picks for `port` 0, else `port` if it is free. */
async function probePort(port = 0): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : undefined));
    });
  });
}

/** Highest port a cluster node may use: its bus listens on port + 10000. */
const MAX_CLUSTER_PORT = 55_535;

/** A free port; for a cluster node, one at most MAX_CLUSTER_PORT whose bus port is free too. */
async function freePort(cluster: boolean): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = cluster ? 20_000 + Math.floor(Math.random() * (MAX_CLUSTER_PORT - 20_000)) : 0;
    const found = await probePort(port);
    if (found === undefined) continue;
    if (!cluster || (await probePort(found + 10_000)) !== undefined) return found;
  }
  throw new Error('no free port found for redis-server');
}

function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

class StartFailed extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message);
  }
}

async function waitForPing(
  port: number,
  proc: ChildProcess,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      const log = tail(logFile);
      throw new StartFailed(
        `redis-server exited (${proc.exitCode ?? proc.signalCode}) before answering PING` +
          (log ? `; its log (${logFile}):\n${log}` : ''),
        /address already in use|port \d+ .*in use/i.test(log),
      );
    }
    const r = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    r.on('error', () => undefined); // refused while it starts up: expected, retried below
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
  proc.kill('SIGKILL');
  throw new StartFailed(`redis-server did not answer PING within ${timeoutMs} ms (log: ${logFile})`, false);
}

/** Starts a private redis-server on a free port; see the module comment. */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const bin = options.bin ?? 'redis-server';
  const exe = findExecutable(bin);
  if (!exe) throw new RedisServerNotFoundError(bin);
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'troupe-redis-'));
  const logFile = join(dir, 'redis.log');
  let port = 0;
  let proc: ChildProcess | undefined;
  const clients: Redis[] = [];

  const launch = async () => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--logfile',
      logFile,
      '--save',
      '',
      '--appendonly',
      'no',
      ...(options.args ?? []),
    ];
    const child = spawn(exe, args, { stdio: 'ignore' });
    proc = child;
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
    spawnError.catch(() => undefined);
    await Promise.race([waitForPing(port, child, logFile, timeoutMs), spawnError]);
  };

  // The free port can be taken between probing and binding; try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort(options.clusterNode ?? false);
    try {
      await launch();
      break;
    } catch (err) {
      if (!(err instanceof StartFailed && err.portTaken) || attempt >= 5) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  // Never leave a redis-server behind when this process exits without stopping it.
  const onExit = () => proc?.kill('SIGKILL');
  process.once('exit', onExit);

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    client() {
      const c = new Redis({ port, host: '127.0.0.1' });
      clients.push(c);
      return c;
    },
    start: launch,
    async stop(signal) {
      for (const c of clients.splice(0)) c.disconnect();
      const p = proc;
      if (p && p.exitCode === null && p.signalCode === null) {
        await new Promise<void>((res) => {
          p.once('exit', () => res());
          p.kill(signal ?? 'SIGTERM');
        });
      }
      if (signal === undefined) {
        process.removeListener('exit', onExit);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

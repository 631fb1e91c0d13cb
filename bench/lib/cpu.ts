/**
 * What a measured window cost each process: CPU time of the sender(s), the worker(s) and
 * redis-server, read from /proc/<pid>/stat (utime + stime, all threads, in clock ticks), and the
 * Redis commands run, from `INFO commandstats` (calls summed over every command). Both are read
 * once when the window opens and once when it closes; the difference is the window's.
 *
 * Commands a script runs with redis.call count in commandstats as well as the EVALSHA or FCALL
 * itself, so "commands per message" is the work Redis did, not only the round trips.
 *
 * @example
 * ```ts
 * const meter = await startCpuMeter(url, [{ role: 'sender', pid: sender.proc.pid }, ...]);
 * // ... the measured window ...
 * const use = await meter.stop(messages);   // { ms: { sender, worker, redis }, redisCommands, ... }
 * ```
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

/** Which column a process's CPU time goes to. */
export type CpuRole = 'sender' | 'worker' | 'redis';

export interface MeteredProcess {
  role: Exclude<CpuRole, 'redis'>;
  pid: number | undefined;
}

/** One window's cost. */
export interface CpuUse {
  /** Messages committed in the window. */
  messages: number;
  windowMs: number;
  /** CPU ms per role, summed over that role's processes; absent where it could not be read. */
  ms: Partial<Record<CpuRole, number>>;
  /** Commands Redis ran in the window (the meter's own INFO excluded); absent where unreadable. */
  redisCommands?: number;
  /** The same, per command name, for seeing where they go. */
  commands?: Record<string, number>;
  /** Per redis-server, where the window covered several (a cluster's primaries), in `url` order. */
  nodes?: NodeUse[];
}

/** One redis-server's part of a window. */
export interface NodeUse {
  url: string;
  /** CPU ms; absent where its process could not be read. */
  ms?: number;
  commands: number;
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second, as /proc counts them (CLK_TCK, 100 on Linux almost everywhere). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime in ms from the text of /proc/<pid>/stat, or undefined if it is not one. */
export function cpuMsFromStat(stat: string, ticks = clockTicks()): number | undefined {
  // the name (field 2) is in parentheses and may hold spaces and ')': count fields after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!fields[12] || !Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / ticks;
}

/** utime + stime of a live process in ms, or undefined (no /proc, process gone). */
export function processCpuMs(pid: number): number | undefined {
  try {
    return cpuMsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * The redis-server's pid when it runs on this machine. A REDIS_URL elsewhere reports a pid that
 * means nothing here, so the process's name must say redis too.
 */
async function localRedisPid(redis: Redis): Promise<number | undefined> {
  const pid = Number(infoField(await redis.info('server'), 'process_id'));
  if (!Number.isInteger(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis') ? pid : undefined;
  } catch {
    return undefined;
  }
}

function commandCalls(info: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const [, name, n] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(name!, Number(n));
  return calls;
}

export interface CpuMeter {
  /** Closes the window: what it cost, for `messages` committed in it. */
  stop(messages: number): Promise<CpuUse>;
  /** Drops the window without a reading (the run failed); harmless after stop. */
  cancel(): void;
}

/**
 * Opens a window over `processes` and the Redis at `url` (see the module comment). A
 * comma-separated `url` (a cluster's primaries) is read node by node: the `redis` column and the
 * commands are their sums, and `nodes` holds each one's part.
 */
export async function startCpuMeter(url: string, processes: MeteredProcess[]): Promise<CpuMeter> {
  const urls = url.split(',').map((u) => u.trim());
  const servers = urls.map((u) => new Redis(u, { maxRetriesPerRequest: 3 }));
  const redisPids = await Promise.all(servers.map((r) => localRedisPid(r).catch(() => undefined)));
  const all: { role: CpuRole; pid: number | undefined }[] = [
    ...processes,
    ...redisPids.map((pid) => ({ role: 'redis' as const, pid })),
  ];
  const read = () => all.map((p) => (p.pid === undefined ? undefined : processCpuMs(p.pid)));
  const readCommands = () =>
    Promise.all(servers.map(async (r) => commandCalls(await r.info('commandstats'))));
  const disconnect = () => servers.forEach((r) => r.disconnect());
  const started = performance.now();
  const before = read();
  const commandsBefore = await readCommands();
  return {
    async stop(messages) {
      const after = read();
      const windowMs = performance.now() - started;
      const commandsAfter = await readCommands().finally(disconnect);
      const ms: CpuUse['ms'] = {};
      const cpu = all.map((p, i) => {
        const [b, a] = [before[i], after[i]];
        return b === undefined || a === undefined ? undefined : a - b;
      });
      all.forEach((p, i) => {
        const used = cpu[i];
        // a process of the role that could not be read leaves the role's column empty
        ms[p.role] = used === undefined ? NaN : (ms[p.role] ?? 0) + used;
      });
      for (const role of Object.keys(ms) as CpuRole[]) if (Number.isNaN(ms[role])) delete ms[role];
      const commands: Record<string, number> = {};
      const perNode = commandsAfter.map((calls, n) => {
        let total = 0;
        for (const [name, count] of calls) {
          const delta = count - (commandsBefore[n]!.get(name) ?? 0) - (name === 'info' ? 1 : 0);
          if (delta > 0) commands[name] = (commands[name] ?? 0) + delta;
          total += Math.max(0, delta);
        }
        return total;
      });
      const redisCommands = perNode.reduce((a, b) => a + b, 0);
      const use: CpuUse = { messages, windowMs, ms, redisCommands, commands };
      if (urls.length > 1) {
        use.nodes = urls.map((u, n) => {
          const used = cpu[processes.length + n];
          return { url: u, commands: perNode[n]!, ...(used === undefined ? {} : { ms: used }) };
        });
      }
      return use;
    },
    cancel: disconnect,
  };
}

/** A window over this process alone (sender and worker in one) and Redis: the in-process scenarios. */
export function startInProcessMeter(url: string): Promise<CpuMeter> {
  return startCpuMeter(url, [{ role: 'worker', pid: process.pid }]);
}

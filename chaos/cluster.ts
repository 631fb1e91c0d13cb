/**
 * The processes a chaos run plays with: `troupe worker` child processes, and a private redis-server
 * with AOF on (`appendfsync always`, so every confirmed write survives a SIGKILL of Redis).
 */
import { createInterface } from 'node:readline';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startPrivateRedis, type PrivateRedis } from '../tools/private-redis.ts';

const BIN = fileURLToPath(new URL('../bin/troupe.mjs', import.meta.url));
const ACTORS_MODULE = fileURLToPath(new URL('./actors.ts', import.meta.url));
/**
 * Far below the default (60 s): at 40 messages a second per actor, gaps this long are common, so
 * actors leave memory, have their logs stowed and are activated again all through the run.
 */
const IDLE_MS = 50;

/** A private Redis that fsyncs its AOF on every write. */
export function startDurableRedis(): Promise<PrivateRedis> {
  return startPrivateRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
}

/** What the workers logged that the report shows. */
export interface WorkerLogStats {
  fenced: number;
  warnings: number;
  errors: number;
}

/** One `troupe worker` process running chaos/actors.ts. */
export class ChaosWorker {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  /** Set when the chaos run itself kills or stops it; any other exit is unexpected. */
  expectExit = false;
  stopped = false;
  private recent: string[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    /** The one pool it serves. */
    readonly pool: string,
    url: string,
    namespace: string,
    leaseMs: number,
    private readonly stats: WorkerLogStats,
    private readonly onUnexpectedExit: (w: ChaosWorker, why: string) => void,
  ) {
    this.proc = spawn(
      process.execPath,
      [
        BIN,
        '-r',
        url,
        '-n',
        namespace,
        'worker',
        '-a',
        ACTORS_MODULE,
        '--lease-ms',
        String(leaseMs),
        // actors go idle between their messages, so their logs are stowed and activated again under faults
        '--idle-ms',
        String(IDLE_MS),
        '--name',
        name,
        '--pools',
        pool,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    this.ready = new Promise((resolve, reject) => {
      createInterface({ input: this.proc.stderr! }).on('line', (line) => {
        if (this.onLine(line)) resolve();
      });
      void this.exited.then(({ code, signal }) => {
        const why = `worker ${this.name} exited (${code ?? signal})`;
        reject(new Error(why));
        if (!this.expectExit) this.onUnexpectedExit(this, `${why}; its last output:\n${this.tail()}`);
      });
    });
    this.ready.catch(() => undefined);
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  tail(): string {
    return this.recent.join('\n');
  }

  private onLine(line: string): boolean {
    this.recent = [...this.recent.slice(-20), line];
    let entry: { level?: number; msg?: string } | undefined;
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return false;
    }
    if (entry?.msg === 'commit refused: fenced') this.stats.fenced++;
    if ((entry?.level ?? 0) >= 50) this.stats.errors++;
    else if ((entry?.level ?? 0) >= 40) this.stats.warnings++;
    return entry?.msg === 'worker ready';
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.proc.kill(sig);
  }

  /** SIGKILL, and wait until it is gone. */
  async kill(): Promise<void> {
    this.expectExit = true;
    this.signal('SIGKILL');
    await this.exited;
  }

  /**
   * Graceful stop (SIGCONT first, in case it is frozen), SIGKILL after `graceMs`. Returns how it
   * ended: `0` is a clean graceful stop.
   */
  async stop(graceMs = 15_000): Promise<string> {
    this.expectExit = true;
    if (!this.alive) {
      const { code, signal } = await this.exited;
      return `${this.name}: already exited (${code ?? signal})`;
    }
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    let graceExpired = false;
    const timer = setTimeout(() => {
      graceExpired = true;
      this.signal('SIGKILL');
    }, graceMs);
    const { code, signal } = await this.exited;
    clearTimeout(timer);
    if (graceExpired) {
      return `${this.name}: no graceful stop within ${graceMs / 1000} s after SIGTERM, SIGKILLed; last output:\n${this.tail()}`;
    }
    return code === 0 ? '0' : `${this.name}: exited ${code ?? signal} on SIGTERM`;
  }
}

/**
 * The per-process cost table printed under each scenario: for every case and system, CPU ms per
 * 1,000 committed messages of the sender(s), the worker(s) and redis-server, their total, and
 * Redis commands per message — medians over the runs, each column on its own.
 *
 * @example
 * ```ts
 * const row = cpuRow('1k actors', 'troupe', runs.map((r) => r.cpu));
 * console.log(renderCpuTable([row]));
 * ```
 */
import type { CpuRole, CpuUse } from './cpu.ts';
import { formatValue, renderTable } from './table.ts';
import { summarize } from './timing.ts';

export interface CpuRow {
  case: string;
  system: string;
  /** Messages committed per run. */
  messages: number;
  /** Sender and worker ran in one process: its CPU is under `worker`. */
  inProcess?: boolean;
  /** Medians over the runs, CPU ms per 1,000 messages; absent where a process could not be read. */
  msPer1k: Partial<Record<CpuRole | 'total', number>>;
  commandsPerMessage?: number;
  runs: CpuUse[];
}

const ROLES: CpuRole[] = ['sender', 'worker', 'redis'];

function medianOf(values: (number | undefined)[]): number | undefined {
  return values.some((v) => v === undefined) || values.length === 0
    ? undefined
    : summarize(values as number[]).median;
}

export function cpuRow(kase: string, system: string, runs: CpuUse[], inProcess = false): CpuRow {
  const per1k = (r: CpuUse, ms: number | undefined) =>
    ms === undefined ? undefined : (ms * 1000) / r.messages;
  const msPer1k: CpuRow['msPer1k'] = {};
  for (const role of ROLES) {
    const m = medianOf(runs.map((r) => per1k(r, r.ms[role])));
    if (m !== undefined) msPer1k[role] = m;
  }
  // the total counts every process there is: in-process runs have no sender process of their own
  const present = ROLES.filter((role) => !(inProcess && role === 'sender'));
  const total = medianOf(
    runs.map((r) =>
      present.every((role) => r.ms[role] !== undefined)
        ? per1k(
            r,
            present.reduce((s, role) => s + r.ms[role]!, 0),
          )
        : undefined,
    ),
  );
  if (total !== undefined) msPer1k.total = total;
  const commands = medianOf(
    runs.map((r) => (r.redisCommands === undefined ? undefined : r.redisCommands / r.messages)),
  );
  return {
    case: kase,
    system,
    messages: runs[0]?.messages ?? 0,
    ...(inProcess ? { inProcess } : {}),
    msPer1k,
    ...(commands !== undefined ? { commandsPerMessage: commands } : {}),
    runs,
  };
}

export function renderCpuTable(rows: readonly CpuRow[]): string {
  const show = (v: number | undefined) => (v === undefined ? '—' : formatValue(v));
  return renderTable(
    [
      'case',
      { header: 'system', align: 'left' },
      'msgs',
      'sender CPU ms/1k',
      'worker CPU ms/1k',
      'redis CPU ms/1k',
      'total ms/1k',
      'redis cmds/msg',
    ],
    rows.map((r) => [
      r.case,
      r.system,
      r.messages.toLocaleString('en-US'),
      r.inProcess ? 'in worker' : show(r.msPer1k.sender),
      show(r.msPer1k.worker),
      show(r.msPer1k.redis),
      show(r.msPer1k.total),
      show(r.commandsPerMessage),
    ]),
  );
}

/** The line under every CPU table: how it was read. */
export const CPU_NOTE =
  'CPU: utime + stime from /proc/<pid>/stat (all threads; 10 ms ticks at CLK_TCK 100) from the runner’s go to the last commit ' +
  '(cold and memory: until every actor is passivated), median of the runs per column; ' +
  'redis cmds/msg: Δ INFO commandstats calls / messages, commands scripts run included (per command in the JSON).';

import { InvalidArgumentError, type Command } from 'commander';
import type { PartitionInfo, SystemInfo } from '../../client/info.ts';
import { describeRedis } from '../../redis/connection.ts';
import { toJson } from '../json-output.ts';
import { withNamespace } from '../namespace.ts';
import { intOption } from '../options.ts';
import { duration, ranges, table } from '../text.ts';

/** ANSI: cursor home, clear the screen. */
const CLEAR = '\x1b[H\x1b[2J';
/** At most this many partitions with work are listed one per line; --json has them all. */
const MAX_PARTITION_ROWS = 16;

/** `troupe info`: one screen about a namespace — workers, partitions, queues, mailboxes, dead letters. */
export function infoCommand(program: Command): void {
  program
    .command('info')
    .description(
      'one screen about the namespace: workers, partition owners, queues, fullest mailboxes, dead letters',
    )
    .option('--json', 'print one JSON object (with --watch: one line per refresh)')
    .option('--watch [seconds]', 'refresh every few seconds (default 2) until Ctrl-C', secondsOption)
    .option('--top <n>', 'how many of the fullest mailboxes to list', intOption, 10)
    .addHelpText(
      'after',
      `
Examples:
  $ troupe info
  $ troupe -n shop info --watch            refresh every 2 s; Ctrl-C stops
  $ troupe info --watch 0.5 --top 20
  $ troupe info --json | jq '.busiest[0]'

Reads only, without SCAN: a few pipelined round trips whatever the partition count. Partitions are
shown as ranges per owner, then one line per partition that has work. Exit 0 on success, 2 when the
namespace does not exist or Redis cannot be reached.`,
    )
    .action(async (opts: InfoOpts, cmd: Command) => {
      await withNamespace(cmd, async (troupe, g) => {
        const read = () => troupe.admin.info({ top: opts.top });
        if (opts.watch === undefined) {
          const info = await read();
          process.stdout.write(opts.json ? `${toJson(info)}\n` : render(info, describeRedis(g.redis)));
          return;
        }
        const seconds = opts.watch === true ? 2 : opts.watch;
        await watch(seconds, async () => {
          try {
            const info = await read();
            return opts.json ? `${toJson(info)}\n` : CLEAR + render(info, describeRedis(g.redis), seconds);
          } catch (err) {
            // Redis away for a moment: say so and keep refreshing
            const text = `troupe: ${(err as Error).message}\n`;
            if (opts.json) process.stderr.write(text);
            return opts.json ? '' : `${CLEAR}${text}`;
          }
        });
      });
    });
}

interface InfoOpts {
  json?: boolean;
  watch?: true | number;
  top: number;
}

function secondsOption(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds > 0');
  return n;
}

/** Writes a frame every `seconds` until SIGINT or SIGTERM, then returns (the caller closes Redis). */
async function watch(seconds: number, frame: () => Promise<string>): Promise<void> {
  let stopped = false;
  let wake: () => void = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    while (!stopped) {
      const text = await frame();
      if (stopped) break;
      process.stdout.write(text);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, seconds * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** The human view: one screen, sections separated by a blank line. */
export function render(info: SystemInfo, redis: string, watchSeconds?: number): string {
  const out: string[] = [];
  const every = watchSeconds === undefined ? '' : `  (every ${watchSeconds}s, Ctrl-C to stop)`;
  out.push(
    `troupe info: namespace ${info.namespace} on ${redis}, ${plural(info.partitions, 'partition')}, ` +
      `${plural(info.workers.length, 'worker')}, ${new Date(info.at).toISOString()}${every}`,
  );

  out.push('', 'WORKERS');
  if (info.workers.length === 0) out.push('  none: start one with "troupe worker -a <module>"');
  else {
    out.push(
      ...table(
        ['NAME', 'HOST:PID', 'UP', 'OWNS', 'TURNS', 'FAILED', 'BUSY', 'IN FLIGHT', 'ACTIVE', 'BEAT', 'TYPES'],
        info.workers.map((w) => [
          w.name,
          `${w.host}:${w.pid}`,
          duration(info.at - w.startedAt),
          String(w.owns.length),
          String(w.turnsSucceeded),
          String(w.turnsFailed),
          duration(w.busyMs),
          String(w.currentTurns),
          String(w.activeActors),
          `${duration(Math.max(0, info.at - w.heartbeatAt))} ago`,
          w.types.join(','),
        ]),
      ),
    );
  }

  out.push('', 'POOLS');
  out.push(
    ...table(
      ['POOL', 'PARTITIONS', 'TYPES', 'WORKERS', 'READY', 'RUNNING', 'OLDEST WAIT', 'TURNS/S'],
      info.pools.map((p) => [
        p.name,
        `${p.first}-${p.first + p.partitions - 1}`,
        p.types.join(',') || '-',
        p.workers.length === 0 ? 'none' : String(p.workers.length),
        String(p.ready),
        String(p.running),
        p.oldestWaitMs === null ? '-' : duration(p.oldestWaitMs),
        String(p.turnRate),
      ]),
    ),
  );

  out.push('', 'PARTITIONS');
  for (const [owner, list] of byOwner(info.partitionList)) {
    out.push(`  ${(owner ?? '(no owner)').padEnd(16)} ${String(list.length).padStart(5)}  ${ranges(list)}`);
  }
  if (info.shards.length > 0) {
    out.push('', 'SHARDS');
    out.push(
      ...table(
        ['PRIMARY', 'PARTITIONS', 'READY', 'OUTBOX'],
        info.shards.map((s) => [
          s.node,
          `${s.partitions.length}: ${ranges(s.partitions)}`,
          String(s.ready),
          String(s.outbox),
        ]),
      ),
    );
  }
  const busy = info.partitionList.filter(hasWork);
  if (busy.length === 0) out.push('  no partition has work');
  else {
    const cols = ['P', 'OWNER', 'EPOCH', 'READY', 'RUNNING', 'PARKED', 'PAUSED', 'HELD', 'TIMERS', 'MERGE'];
    const rows = busy
      .slice(0, MAX_PARTITION_ROWS)
      .map((p) => [
        String(p.partition),
        p.owner ?? '-',
        String(p.epoch),
        ...[p.ready, p.running, p.parked, p.paused, p.held, p.timers, p.mergesDue].map(String),
      ]);
    out.push(...table(cols, rows));
    if (busy.length > rows.length) {
      out.push(`  … ${busy.length - rows.length} more partitions with work (--json lists all)`);
    }
  }

  const t = info.totals;
  out.push(
    '',
    `ACTORS WITH MAIL  ${t.ready} ready, ${t.running} running, ${t.parked} parked, ${t.paused} paused, ` +
      `${t.held} held; ${plural(t.mailbox, 'message')} in ${plural(t.actorsSeen, 'mailbox', 'mailboxes')}` +
      `${t.complete ? '' : ' sampled'}`,
    `TIMERS ${t.timers}   MERGES PENDING ${info.mergesPending}   DEAD LETTERS ${info.deadLetters.count}` +
      (info.shards.length > 0 ? `   OUTBOX ${t.outbox}` : ''),
  );

  out.push('', 'TYPES');
  if (info.types.length === 0) out.push('  none yet: no actor has committed a turn');
  else {
    out.push(
      ...table(
        ['TYPE', 'ACTORS', 'MAIL', 'DEAD', 'TURNS', 'P50 MS', 'P99 MS', 'STATE'],
        info.types.map((ty) => [
          ty.type,
          String(ty.actors),
          String(ty.mailbox),
          String(ty.deadLetters),
          String(ty.turns),
          ty.turnMs ? `≤${ty.turnMs.p50}` : '-',
          ty.turnMs ? `≤${ty.turnMs.p99}` : '-',
          ty.paused ? 'paused' : 'running',
        ]),
      ),
    );
  }

  out.push('', 'FULLEST MAILBOXES');
  if (info.busiest.length === 0) out.push('  none: every mailbox is empty');
  else {
    out.push(
      ...table(
        ['ACTOR', 'MAILBOX', 'STATE', 'P'],
        info.busiest.map((b) => [b.actor, String(b.mailbox), b.state, String(b.partition)]),
      ),
    );
  }

  out.push('', `DEAD LETTERS  ${info.deadLetters.count}`);
  if (info.deadLetters.count > 0) {
    out.push(
      ...table(
        ['TIME', 'ID', 'ACTOR', 'REASON', 'ATTEMPTS'],
        info.deadLetters.newest.map((d) => [
          new Date(d.at).toISOString(),
          d.id,
          d.actor,
          d.reason,
          String(d.attempts),
        ]),
      ),
    );
    if (info.deadLetters.count > info.deadLetters.newest.length)
      out.push('  … see "troupe dead-letters list"');
  }

  out.push(
    '',
    `PAUSED TYPES  ${info.pausedTypes.length > 0 ? `${info.pausedTypes.join(', ')} ("troupe resume <type>")` : 'none'}`,
  );

  if (info.recentEvents.length > 0) {
    out.push('', 'RECENT WORKER EVENTS');
    for (const e of info.recentEvents.slice(0, 5)) {
      out.push(`  ${new Date(e.at).toISOString()}  ${e.event.padEnd(8)}  ${e.worker}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function hasWork(p: PartitionInfo): boolean {
  return p.ready + p.running + p.parked + p.paused + p.held + p.timers + p.mergesDue + p.outbox > 0;
}

/** Owners with their partitions, owners by name, the unowned partitions last. */
function byOwner(list: PartitionInfo[]): [string | null, number[]][] {
  const groups = new Map<string | null, number[]>();
  for (const p of list) {
    const g = groups.get(p.owner) ?? [];
    g.push(p.partition);
    groups.set(p.owner, g);
  }
  return [...groups.entries()].sort(([a], [b]) =>
    a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0,
  );
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

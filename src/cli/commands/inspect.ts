import { InvalidArgumentError, type Command } from 'commander';
import type { RedisClient } from '../../redis/client.ts';
import type { Actor } from '../../actor/actor.ts';
import { ActorRegistry, type RegisteredActor } from '../../actor/registry.ts';
import type { ActorClass } from '../../actor/types.ts';
import { ConfigError } from '../../errors.ts';
import { decodeBase, decodeSegment, entriesAsOf, foldLog, joinLog } from '../../protocol/log.ts';
import { decodeIndexMember, readIndexRecord } from '../../protocol/index-entry.ts';
import { actorKey } from '../../protocol/partition.ts';
import { readPlacement } from '../../redis/placement-store.ts';
import { withCliRedis } from '../redis.ts';
import { checkName, type Keys } from '../../redis/keys.ts';
import { toJson } from '../json-output.ts';
import type { BaseInfo, InspectReport, SegmentInfo } from '../inspect-report.ts';
import { renderInspect } from '../inspect-text.ts';
import { loadActors } from '../load-actors.ts';
import { withNamespace } from '../namespace.ts';
import { timeOption } from '../time-option.ts';

/** `troupe inspect`: everything Redis holds about one actor, read without writing anything. */
export function inspectCommand(program: Command): void {
  program
    .command('inspect')
    .description("show one actor's context log, merge state, mailbox and folded context (read-only)")
    .argument('<type>', 'actor type, e.g. counter')
    .argument('<id>', 'actor id, e.g. c-1')
    .option('-a, --actors <modules...>', 'modules exporting the actor class, to fold the context')
    .option('--last <n>', 'how many of the newest segments to show', countOption, 10)
    .option('--json', 'print one JSON object instead of text')
    .option(
      '--at <time>',
      'fold the context as of this time, as read({ at }) does: epoch ms or an ISO date (needs --actors)',
      timeOption,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ troupe inspect counter c-1 --actors ./src/actors.ts
  $ troupe -n shop inspect cart u-42 --last 50
  $ troupe inspect counter c-1 -a ./src/actors.ts --json | jq .context
  $ troupe inspect counter c-1 -a ./src/actors.ts --at 2024-06-10T12:00:00Z
  $ troupe inspect counter c-1 -a ./src/actors.ts --at 1718020800000

Reads only (one MULTI of reads); never writes to Redis. Without --actors the folded context cannot
be computed (it needs the class's initial and apply), so the base and raw segments are shown.
Exit 0 on success, 2 when the namespace does not exist, Redis cannot be reached or a name is bad.`,
    )
    .action(async (type: string, id: string, opts: InspectOpts, cmd: Command) => {
      checkName('actor type', type);
      if (id === '') throw new ConfigError('an actor id must be a non-empty string');
      if (opts.at !== undefined && !opts.actors) {
        throw new ConfigError(
          `--at folds the context as of a time, which needs the ${type} class: add --actors <module>`,
        );
      }
      // load the classes first, so a bad module path fails before touching Redis
      const entry = opts.actors ? findClass(type, await loadActors(opts.actors)) : undefined;
      // the namespace is opened (and checked) as every command does; the reads use a plain connection
      const report = await withNamespace(cmd, (troupe, g) =>
        withCliRedis(g, (redis) => inspect(redis, troupe.keys, type, id, entry, opts)),
      );
      process.stdout.write(opts.json ? `${toJson(report)}\n` : renderInspect(report));
    });
}

interface InspectOpts {
  actors?: string[];
  last: number;
  json?: boolean;
  at?: number;
}

/** Like intOption, but 0 is fine: `--last 0` hides the segments. */
function countOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

function findClass(type: string, classes: readonly ActorClass[]): RegisteredActor {
  const registry = new ActorRegistry(classes);
  const entry = registry.get(type);
  if (!entry) {
    throw new ConfigError(
      `no actor class of type "${type}" in the --actors modules (found: ${registry.types().join(', ')})`,
    );
  }
  return entry;
}

async function inspect(
  redis: RedisClient,
  k: Keys,
  type: string,
  id: string,
  entry: RegisteredActor | undefined,
  { last, at }: InspectOpts,
): Promise<InspectReport> {
  const placement = await readPlacement(redis, k);
  const p = placement.partitionOf(type, id);
  const partitions = placement.countAt(p);
  const akey = actorKey(type, id);
  const keys = {
    log: k.log(p, akey),
    logBucket: k.logBucketOf(p, akey, partitions),
    history: k.history(p, akey),
    lock: k.lock(p, akey),
    mailbox: k.mailbox(p, akey),
    directory: k.dirOf(p, type, id, partitions),
  };
  // one MULTI: every key is in the partition's slot, and a merge cannot land between the reads
  const reads = redis
    .multi()
    .hgetBuffer(keys.logBucket, akey)
    .lrangeBuffer(keys.log, 0, -1)
    .llen(keys.history)
    .lindexBuffer(keys.history, 0)
    .pttl(keys.lock)
    .llen(keys.mailbox)
    .hexists(k.running(p), akey)
    .sismember(k.mergeDue(p), akey)
    .hgetBuffer(keys.directory, id);
  // the whole history only when --at may need to fold it
  const res = await (at === undefined ? reads : reads.lrangeBuffer(keys.history, 0, -1)).exec();
  const [stowed, list, histLen, histHead, lockTtl, mailbox, running, due, record, histAll] = (res ?? []).map(
    ([err, value]) => {
      if (err) throw err;
      return value;
    },
  ) as [
    Buffer | null,
    Buffer[],
    number,
    Buffer | null,
    number,
    number,
    number,
    number,
    Buffer | null,
    Buffer[] | undefined,
  ];
  const log = joinLog({ stowed, list });

  const segments = log.slice(1);
  const base = describeBase(log[0]);
  const history = histLen > 0 ? { segments: histLen - 1, base: describeBase(histHead ?? undefined) } : null;
  const report: InspectReport = {
    namespace: k.ns,
    type,
    id,
    partition: p,
    partitions: placement.total,
    pool: placement.rangeOf(p).name,
    keys,
    base: { ...base, ctx: baseCtx(log[0]) },
    log: {
      exists: log.length > 0,
      segments: segments.length,
      bytes: sum(segments.map((s) => s.length)),
      stowed: log.length - list.length,
    },
    last: segments
      .slice(segments.length - Math.min(last, segments.length))
      .map((bytes, i, shown) => describeSegment(bytes, segments.length - shown.length + i + 1)),
    history,
    timeTravel: timeTravelFrom(base, history),
    // PTTL: -2 no key, -1 no expiry (never set so by Troupe), else ms left
    lock: { held: lockTtl !== -2, ttlMs: lockTtl >= 0 ? lockTtl : null },
    mailbox,
    running: running === 1,
    mergeDue: due === 1,
    indexed: record === null ? null : indexedValues(record),
    policy: entry ? entry.merge : null,
    at: at === undefined ? null : { ts: at, time: new Date(at).toISOString() },
    context: null,
    folded: null,
  };
  if (!entry) {
    report.note = `the folded context needs the ${type} class: pass --actors <module>`;
    return report;
  }
  const found = at === undefined ? { entries: log } : entriesAsOf(log, histAll ?? [], at);
  if (!('entries' in found)) {
    throw new ConfigError(
      `${akey} has no history before ${iso(found.since)}, so --at cannot go back that far: ` +
        `pick a later --at, or set \`static merge = { retainMs: ... }\` on the ${type} class to keep merged segments`,
    );
  }
  try {
    const actor = new entry.cls() as Actor;
    const f = foldLog(
      found.entries,
      () => actor.initial(),
      (c, s) => actor.apply(c, s),
      at,
    );
    report.context = f.ctx;
    report.folded = { seq: f.seq, ts: f.ts || null, time: iso(f.ts || null), segments: f.segments };
  } catch (err) {
    // show the raw log anyway: a log that does not fold is exactly what one inspects
    report.note = `folding failed: ${(err as Error).message}`;
  }
  return report;
}

/** The values of a directory record, decoded from their index encodings. */
function indexedValues(record: Buffer): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [field, enc] of readIndexRecord(record)) out[field] = decodeIndexMember(enc).value;
  return out;
}

function describeBase(bytes: Buffer | undefined): BaseInfo {
  const size = bytes?.length ?? 0;
  try {
    const base = bytes ? decodeBase(bytes) : undefined;
    if (!base) return { empty: true, version: 0, seq: 0, ts: null, time: null, bytes: size };
    const ts = base.ts || null;
    return { empty: false, version: base.version ?? 0, seq: base.seq, ts, time: iso(ts), bytes: size };
  } catch (err) {
    return {
      empty: false,
      version: 0,
      seq: 0,
      ts: null,
      time: null,
      bytes: size,
      error: (err as Error).message,
    };
  }
}

function baseCtx(bytes: Buffer | undefined): unknown {
  try {
    return (bytes ? decodeBase(bytes)?.ctx : undefined) ?? null;
  } catch {
    return null;
  }
}

function describeSegment(bytes: Buffer, index: number): SegmentInfo {
  try {
    const s = decodeSegment(bytes);
    return { index, seq: s.seq, ts: s.ts, time: iso(s.ts), bytes: bytes.length, seg: s.seg };
  } catch (err) {
    const hex = bytes.subarray(0, 64).toString('hex');
    return {
      index,
      seq: null,
      ts: null,
      time: null,
      bytes: bytes.length,
      seg: hex,
      error: (err as Error).message,
    };
  }
}

/** Mirrors read({ at }): the log answers from its base on, retained history from its own base. */
function timeTravelFrom(base: BaseInfo, history: InspectReport['history']): InspectReport['timeTravel'] {
  const from = base.empty ? null : history ? history.base.ts : base.ts;
  return { ts: from, time: iso(from) };
}

function iso(ts: number | null): string | null {
  if (ts === null || !Number.isFinite(ts)) return null;
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function sum(ns: number[]): number {
  return ns.reduce((a, b) => a + b, 0);
}

import type { Command } from 'commander';
import type { DeadLetter, DeadLetterFilter } from '../../client/dead-letter-entries.ts';
import type { DeadLetters } from '../../client/dead-letters.ts';
import { ConfigError } from '../../errors.ts';
import { DEAD_LETTER_REASONS } from '../../protocol/dead-letter-reasons.ts';
import { toJson } from '../json-output.ts';
import { withNamespace } from '../namespace.ts';
import { globalOptions, intOption } from '../options.ts';

/** `troupe dead-letters`: list, show, retry and purge the messages workers could not handle. */
export function deadLettersCommand(program: Command): void {
  const dl = program
    .command('dead-letters')
    .description('list, show, retry and purge messages workers could not handle')
    .addHelpText(
      'after',
      `
Examples:
  $ troupe dead-letters list                          newest 50 as a table
  $ troupe dead-letters list --reason handler-error --actor counter --json
  $ troupe dead-letters show 1718000000000-0@12
  $ troupe dead-letters retry 1718000000000-0@12 1718000000001-0@3
  $ troupe dead-letters retry --all --reason unknown-type
  $ troupe dead-letters purge --all --actor counter/c-1

Reasons: ${DEAD_LETTER_REASONS.join(', ')}.`,
    );

  dl.command('list')
    .description('dead letters, newest first')
    .option('--actor <actor>', 'only this actor (<type>/<id>) or type (<type>)')
    .option('--reason <reason>', 'only this reason, e.g. handler-error')
    .option('--limit <n>', 'at most this many', intOption, 50)
    .option('--json', 'print one JSON array instead of a table')
    .addHelpText(
      'after',
      `
Examples:
  $ troupe dead-letters list
  $ troupe -n shop dead-letters list --actor cart --limit 200
  $ troupe dead-letters list --reason unknown-method --json | jq '.[].envelope.method'

The table shows time, id, actor, reason, attempts, method and the first line of the error.`,
    )
    .action(async (opts: ListOpts, cmd: Command) => {
      const rows = await withDeadLetters(cmd, (dead) => dead.list({ ...filterOf(opts), limit: opts.limit }));
      process.stdout.write(opts.json ? `${toJson(rows.map(toView))}\n` : table(rows));
    });

  dl.command('show')
    .description('one dead letter in full: error, envelope and arguments')
    .argument('<id>', 'dead-letter id, as listed, e.g. 1718000000000-0@12')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText(
      'after',
      `
Examples:
  $ troupe dead-letters show 1718000000000-0@12
  $ troupe dead-letters show 1718000000000-0@12 --json | jq .envelope.args`,
    )
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const d = await withDeadLetters(cmd, (dead) => dead.show(id));
      if (!d) throw new ConfigError(`no dead letter ${id} in namespace "${g.namespace}"`);
      process.stdout.write(opts.json ? `${toJson(toView(d))}\n` : details(d));
    });

  bulk(dl, 'retry', 'send dead letters again to their actors, then remove them', async (dead, ids, all) => {
    if (!all) return `retried ${await dead.retry(ids)}`;
    // undecodable entries would only come back: leave them, and say so
    const skipped = (await dead.list({ ...all, limit: Infinity })).filter((d) => !d.envelope).length;
    const n = await dead.retry({ all: true, ...all });
    return `retried ${n}${skipped ? `; skipped ${skipped} undecodable (purge them)` : ''}`;
  });
  bulk(dl, 'purge', 'delete dead letters for good', async (dead, ids, all) => {
    return `purged ${await dead.purge(all ? { all: true, ...all } : ids)}`;
  });
}

interface ListOpts extends FilterOpts {
  limit: number;
  json?: boolean;
}

interface FilterOpts {
  actor?: string;
  reason?: string;
}

interface BulkOpts extends FilterOpts {
  all?: boolean;
}

/** retry and purge share their shape: ids, or --all narrowed by --actor and --reason. */
function bulk(
  dl: Command,
  name: 'retry' | 'purge',
  description: string,
  run: (dead: DeadLetters, ids: string[], all: DeadLetterFilter | undefined) => Promise<string>,
): void {
  dl.command(name)
    .description(description)
    .argument('[ids...]', 'dead-letter ids, as listed')
    .option('--all', 'every dead letter (narrow with --actor and --reason)')
    .option('--actor <actor>', 'with --all: only this actor (<type>/<id>) or type (<type>)')
    .option('--reason <reason>', 'with --all: only this reason')
    .addHelpText(
      'after',
      name === 'retry'
        ? `
Examples:
  $ troupe dead-letters retry 1718000000000-0@12
  $ troupe dead-letters retry --all --reason unknown-type --actor invoice

Re-sends the original message bytes to the actor the envelope names, oldest first, then removes
the entry. At-least-once: a crash between the two leaves it listed, and retrying it again handles it
twice. Undecodable entries cannot be retried (they would be dead-lettered again): purge them.`
        : `
Examples:
  $ troupe dead-letters purge 1718000000000-0@12 1718000000001-0@3
  $ troupe dead-letters purge --all --reason undecodable
  $ troupe dead-letters purge --all                   everything in the namespace`,
    )
    .action(async (ids: string[], opts: BulkOpts, cmd: Command) => {
      if (opts.all && ids.length > 0) throw new ConfigError(`${name}: give ids or --all, not both`);
      if (!opts.all && ids.length === 0) throw new ConfigError(`${name}: give the ids to ${name}, or --all`);
      if (!opts.all && (opts.actor || opts.reason)) {
        throw new ConfigError(`${name}: --actor and --reason narrow --all; add --all`);
      }
      const summary = await withDeadLetters(cmd, (dead) =>
        run(dead, ids, opts.all ? filterOf(opts) : undefined),
      );
      const g = globalOptions(cmd);
      process.stderr.write(`troupe: ${summary} (namespace ${g.namespace})\n`);
    });
}

function filterOf(opts: FilterOpts): DeadLetterFilter {
  return {
    ...(opts.actor !== undefined ? { actor: opts.actor } : {}),
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
  };
}

/** The namespace's dead letters, for one command. */
function withDeadLetters<T>(cmd: Command, fn: (dead: DeadLetters) => Promise<T>): Promise<T> {
  return withNamespace(cmd, (troupe) => fn(troupe.deadLetters));
}

/** The JSON form: the entry with its time as ISO, raw bytes as base64 and the decode error if any. */
function toView(d: DeadLetter) {
  const { raw, ...rest } = d;
  return { ...rest, time: new Date(d.at).toISOString(), raw: raw.toString('base64') };
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

function table(rows: DeadLetter[]): string {
  if (rows.length === 0) return 'no dead letters\n';
  const head = ['TIME', 'ID', 'ACTOR', 'REASON', 'ATTEMPTS', 'METHOD', 'ERROR'];
  const cells = rows.map((d) => [
    new Date(d.at).toISOString(),
    d.id,
    d.actor,
    d.reason,
    String(d.attempts),
    d.envelope?.method ?? '?',
    clip(firstLine(d.error), 80),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...cells.map(line)].join('\n') + '\n';
}

function clip(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

function details(d: DeadLetter): string {
  const row = (label: string, text: string) =>
    `${label.padEnd(10)}${text.replace(/\n/g, `\n${' '.repeat(10)}`)}\n`;
  let out = `dead letter ${d.id}\n`;
  out += row('time', new Date(d.at).toISOString());
  out += row('actor', d.actor);
  out += row('reason', d.reason);
  out += row('attempts', String(d.attempts));
  out += row('worker', d.worker);
  if (d.envelope) {
    const e = d.envelope;
    out += row('message', `${e.method}(${e.args.map((a) => toJson(a)).join(', ')})  id ${e.id}`);
    if (`${e.type}/${e.actor}` !== d.actor) out += row('to', `${e.type}/${e.actor}`);
    out += row('sent', `${e.sentAt ? new Date(e.sentAt).toISOString() : '?'} by ${e.sender ?? '?'}`);
  } else {
    out += row('envelope', `undecodable: ${d.decodeError ?? '?'}`);
    out += row('bytes', `${d.raw.length}: ${d.raw.subarray(0, 64).toString('hex')}`);
  }
  out += row('error', d.error);
  return out;
}

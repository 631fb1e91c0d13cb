import type { Command } from 'commander';
import { ConfigError, ValidationError } from '../../errors.ts';
import { checkName } from '../../redis/keys.ts';
import { LINE_EXAMPLE } from '../bulk-lines.ts';
import { bulkProgress, bulkSummary, stdinBytes } from '../bulk-report.ts';
import { bulkSend, type BulkOptions } from '../bulk-send.ts';
import { messageArguments, messageTarget, ttlOption } from '../message-command.ts';
import { withNamespace } from '../namespace.ts';
import { globalOptions, intOption } from '../options.ts';

/** `troupe send`: tells an actor a message and returns once it is durably in Redis. */
export function sendCommand(program: Command): void {
  messageArguments(
    program.command('send').description('send a message (tell); returns once it is stored in Redis'),
    true,
  )
    .usage('[options] <type> <id> <method> [args...]\n       troupe send --stdin [options] [type]')
    .option('--stdin', `read messages from stdin, one JSON object a line: ${LINE_EXAMPLE}`)
    .option('--window <n>', 'with --stdin: at most this many sends in flight', intOption, 1000)
    .option('--dry-run', 'with --stdin: check every line and report, send nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ troupe send counter c-1 add 5
  $ troupe send counter c-1 add -3
  $ troupe -n shop send cart u-42 addItem '"sku-1"' 2
  $ troupe send cart u-42 addItem --args '["sku-1", 2]'
  $ troupe send --stdin < messages.jsonl
  $ troupe send counter --stdin --window 5000 < adds.jsonl     lines may omit "type"
  $ troupe send --stdin --dry-run < messages.jsonl             check the lines only

Prints nothing on stdout; a one-line confirmation goes to stderr. Exit 0 once stored, 2 on a
usage or Redis error.

With --stdin, every line is one message: ${LINE_EXAMPLE}
("args" may be left out for a handler without arguments). Messages go out in line order, with up
to --window in flight, so each actor gets its messages in order. Progress and a summary (sent,
failed, time, rate) go to stderr; a bad line is reported with its number and skipped, and the
other lines are still sent. Exit 0 when every line was sent, 1 when some lines were bad, 2 on a
usage or Redis error.`,
    )
    .action(
      async (
        type: string | undefined,
        id: string | undefined,
        method: string | undefined,
        words: string[],
        opts: SendOpts,
        cmd: Command,
      ) => {
        if (opts.stdin) {
          if (id !== undefined || opts.args !== undefined) {
            cmd.error(
              'error: with --stdin every line names its actor, method and args; give at most the actor type: troupe send [type] --stdin',
            );
          }
          if (type === '-')
            cmd.error("error: '-' is not an actor type, and --stdin already reads stdin; drop the '-'");
          if (type !== undefined) checkName('actor type', type);
          await sendLines(cmd, type, opts);
          return;
        }
        if (type === '-') {
          cmd.error(
            "error: '-' is not an actor type; to read messages from stdin use --stdin: troupe send --stdin < messages.jsonl",
          );
        }
        for (const name of ['window', 'dryRun'] as const) {
          if (cmd.getOptionValueSource(name) === 'cli')
            cmd.error(`error: --${name === 'dryRun' ? 'dry-run' : name} goes with --stdin`);
        }
        if (type === undefined || id === undefined || method === undefined) {
          const missing = type === undefined ? 'type' : id === undefined ? 'id' : 'method';
          cmd.error(
            `error: missing required argument '${missing}' (or read messages from stdin with --stdin)`,
          );
        }
        // Decode before connecting so a quoting mistake never touches Redis.
        const target = messageTarget(type, id, method, words, opts.args);
        await withNamespace(cmd, async (troupe, g) => {
          await troupe.ref(target.type, target.id, ttlOption(opts.ttl)).tell(target.method, ...target.args);
          process.stderr.write(
            `troupe: sent ${target.method} to ${target.type}/${target.id} (namespace ${g.namespace})\n`,
          );
        });
      },
    );
}

/** `troupe send --stdin`: JSON lines to messages, with progress and a summary on stderr. */
async function sendLines(cmd: Command, defaultType: string | undefined, opts: SendOpts): Promise<void> {
  if (process.stdin.isTTY) {
    process.stderr.write(
      'troupe: reading messages from the terminal, one JSON object a line; end with Ctrl-D\n',
    );
  }
  const run = async (
    namespace: string,
    send: BulkOptions['send'],
    isFatal: BulkOptions['isFatal'],
  ): Promise<void> => {
    const progress = bulkProgress(
      opts.dryRun ? 'checking' : 'sending',
      opts.dryRun ? 'checked' : 'sent',
      stdinBytes(),
    );
    const result = await bulkSend({
      input: process.stdin,
      window: opts.window,
      defaultType,
      send,
      isFatal,
      onStart: (counts) => progress.start(counts),
    }).finally(() => progress.stop());
    process.stderr.write(bulkSummary(result, opts.dryRun === true, namespace));
    if (result.fatal) throw result.fatal.error;
    if (result.bad > 0) process.exitCode = 1;
  };
  if (opts.dryRun) {
    await run(
      globalOptions(cmd).namespace,
      () => Promise.resolve(),
      () => false,
    );
    return;
  }
  await withNamespace(cmd, (troupe, g) =>
    run(
      g.namespace,
      (t) => troupe.ref(t.type, t.id, ttlOption(opts.ttl)).tell(t.method, ...t.args),
      // a message over maxMessageBytes or a bad name spoils its line; anything else (Redis) stops the run
      (err) => !(err instanceof ValidationError || err instanceof ConfigError),
    ),
  );
}

interface SendOpts {
  args?: string;
  ttl?: number;
  stdin?: boolean;
  window: number;
  dryRun?: boolean;
}

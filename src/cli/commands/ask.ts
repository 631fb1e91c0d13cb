import type { Command } from 'commander';
import { HandlerError, TimeoutError } from '../../errors.ts';
import { describeRedis } from '../../redis/connection.ts';
import { toJson } from '../json-output.ts';
import { messageArguments, messageTarget, ttlOption, type MessageTarget } from '../message-command.ts';
import { withNamespace } from '../namespace.ts';
import { intOption, type GlobalOptions } from '../options.ts';

/** `troupe ask`: sends a message, waits for the handler's return value and prints it as JSON. */
export function askCommand(program: Command): void {
  messageArguments(program.command('ask').description('send a message and print the reply as JSON'))
    .option('-t, --timeout <ms>', 'how long to wait for the reply', intOption, 30_000)
    .addHelpText(
      'after',
      `
Examples:
  $ troupe ask counter c-1 value
  $ troupe ask counter c-1 slowAdd 5 2000 --timeout 10000
  $ troupe ask cart u-42 addItem '"sku-1"' 2            a string argument, quoted for the shell
  $ troupe ask cart u-42 addItem --args '["sku-1", 2]'  all arguments as one JSON array
  $ troupe -n shop ask cart u-42 total | jq .

The reply is one line of JSON on stdout (null when the handler returns nothing). Exit 0 on a reply,
2 when the handler threw, no reply came within --timeout, or Redis could not be reached.`,
    )
    .action(
      async (type: string, id: string, method: string, words: string[], opts: AskOpts, cmd: Command) => {
        const target = messageTarget(type, id, method, words, opts.args);
        const reply = await withNamespace(cmd, async (troupe, g): Promise<unknown> => {
          const ref = troupe.ref(target.type, target.id, {
            askTimeoutMs: opts.timeout,
            ...ttlOption(opts.ttl),
          });
          try {
            return (await ref.ask(target.method, ...target.args)) as unknown;
          } catch (err) {
            throw explain(err, target, opts.timeout, g);
          }
        });
        process.stdout.write(`${toJson(reply)}\n`);
      },
    );
}

/** The client's messages speak of its API (askTimeoutMs, connect()); say the same in CLI terms. */
function explain(err: unknown, target: MessageTarget, timeoutMs: number, g: GlobalOptions): unknown {
  const what = `${target.type}/${target.id} ${target.method}`;
  if (err instanceof TimeoutError && err.pausedType !== undefined) {
    return new TimeoutError(
      `no reply from ${what} within ${timeoutMs} ms: actor type "${err.pausedType}" is paused in namespace ` +
        `${g.namespace}, so no worker runs its messages. Resume it with: troupe resume ${err.pausedType} -n ${g.namespace}. ` +
        'The message stays queued and runs once the type is resumed.',
      { cause: err, pausedType: err.pausedType },
    );
  }
  if (err instanceof TimeoutError) {
    return new TimeoutError(
      `no reply from ${what} within ${timeoutMs} ms (namespace ${g.namespace} on ${describeRedis(g.redis)}). ` +
        `Is a worker serving this namespace? Start one with: troupe worker -n ${g.namespace} -a ./your-actors.ts ` +
        '(or raise --timeout for a slow handler). The message stays queued and runs once a worker is up.',
      { cause: err },
    );
  }
  if (err instanceof HandlerError) {
    return new HandlerError(`${what} threw ${err.message}`, err.remoteName, err.remoteStack);
  }
  return err;
}

interface AskOpts {
  args?: string;
  timeout: number;
  ttl?: number;
}

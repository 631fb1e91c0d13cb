#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { TroupeError } from '../errors.ts';
import { adminCommands } from './commands/admin.ts';
import { actorsCommand } from './commands/actors.ts';
import { askCommand } from './commands/ask.ts';
import { deadLettersCommand } from './commands/dead-letters.ts';
import { infoCommand } from './commands/info.ts';
import { inspectCommand } from './commands/inspect.ts';
import { migrateCommand } from './commands/migrate.ts';
import { reindexCommand } from './commands/reindex.ts';
import { sendCommand } from './commands/send.ts';
import { serveCommand } from './commands/serve.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import { setupCommand } from './commands/setup.ts';
import { workerCommand } from './commands/worker.ts';

// two folders up from src/cli/ and from dist/cli/ alike
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command()
  .name('troupe')
  .description('Work a Troupe system (actors on Redis) from the shell.')
  .version(version, '-V, --version', 'print the installed version of troupe')
  // no commander defaults: it would print its own "(default: ...)" after ours; options.ts applies them
  .option('-r, --redis <url>', 'Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379)')
  .option('-n, --namespace <ns>', 'namespace of the system (default: $TROUPE_NAMESPACE, else "default")')
  .option(
    '--wait-replicas <n>',
    'replicas every write waits for before it counts (Redis WAIT; default: $TROUPE_WAIT_REPLICAS, else 0)',
  )
  .showHelpAfterError()
  // Commander's own usage errors get the same prefix and exit code as ours, so scripts see one convention.
  .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'troupe: ')) })
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .addHelpText(
    'after',
    `
Examples:
  $ troupe worker -a ./src/actors.ts           run the actor classes exported by that module
  $ troupe send counter c-1 add 5              tell counter c-1 to add 5 (returns once stored)
  $ troupe ask counter c-1 value               wait for the reply and print it as JSON
  $ troupe dead-letters list                   messages workers could not handle
  $ troupe -n shop setup --partitions 128      create a namespace, install the FCALL send functions
  $ troupe serve --token s3cret -a ./src/actors.ts   HTTP ingress on 127.0.0.1:8080
  $ troupe -n shop -r redis://10.0.0.5:6379 ask cart u-42 total --timeout 5000
  $ troupe info --watch                        workers, owners, queues, dead letters; refreshed
  $ troupe dashboard -a ./dist/actors.js       the same and more as a web page on 127.0.0.1:8080
  $ troupe workers                             the live workers and what each is doing
  $ troupe pause order / troupe resume order   hold one actor type's turns everywhere
  $ troupe shutdown <worker>                   stop one worker gracefully, from anywhere
  $ troupe migrate                             move stored logs to this version's layout
  $ troupe actors order --where status=late    the ids of actors whose indexes match
  $ troupe reindex order -a ./dist/actors.js   rebuild a type's indexes after they changed

Run "troupe <command> --help" for a command's options and more examples.`,
  );

// Subcommands copy the settings above when they are created, so register them last.
workerCommand(program);
sendCommand(program);
askCommand(program);
inspectCommand(program);
infoCommand(program);
deadLettersCommand(program);
serveCommand(program);
dashboardCommand(program);
setupCommand(program);
migrateCommand(program);
actorsCommand(program);
reindexCommand(program);
adminCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = err instanceof TroupeError ? err.message : String((err as Error)?.stack ?? err);
  process.stderr.write(`troupe: ${message}\n`);
  process.exit(err instanceof TroupeError ? 2 : 1);
});

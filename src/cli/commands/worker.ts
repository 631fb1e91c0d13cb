import type { Command } from 'commander';
import { pino } from 'pino';
import { connect } from '../../client/troupe.ts';
import { openRedis } from '../../redis/connection.ts';
import { untilDrained } from '../burst.ts';
import { loadActors } from '../load-actors.ts';
import { globalOptions, intOption } from '../options.ts';

export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the actors of the given modules: lease partitions and run turns')
    .requiredOption(
      '-a, --actors <modules...>',
      'modules (.ts or .js) whose exported Actor classes this worker runs',
    )
    .option('-c, --concurrency <n>', 'actor batches in flight at once', intOption, 64)
    .option('--lease-ms <ms>', 'partition lease; a dead worker is replaced after this', intOption, 10_000)
    .option('--batch-size <n>', 'messages per actor per claim', intOption, 64)
    .option('--name <name>', 'worker name in the registry (default host:pid:random)')
    .option('--log-level <level>', 'pino log level: debug, info, warn, error', 'info')
    .option('--burst', 'work until no mail is left in the partitions this worker holds, then exit 0')
    .addHelpText(
      'after',
      `
Examples:
  $ troupe worker --actors ./src/actors.ts
  $ REDIS_URL=redis://10.0.0.5:6379 troupe worker -n shop -a ./dist/actors.js -c 128
  $ troupe worker -a ./src/actors.ts --burst   for batch jobs and tests: exits 0 once all is done

SIGINT or SIGTERM stops gracefully (turns in flight commit, partitions are handed over at once);
a second signal exits at once.`,
    )
    .action(async (opts: WorkerOpts, cmd: Command) => {
      const g = globalOptions(cmd);
      const logger = pino({ level: opts.logLevel }, pino.destination(2));
      const actors = await loadActors(opts.actors);
      const troupe = await connect({ redis: g.redis, namespace: g.namespace, actors, logger });
      const worker = await troupe.work({
        concurrency: opts.concurrency,
        leaseMs: opts.leaseMs,
        batchSize: opts.batchSize,
        ...(opts.name ? { name: opts.name } : {}),
      });
      logger.info(
        { worker: worker.id, namespace: troupe.namespace, types: actors.map((a) => a.type ?? a.name) },
        'worker ready',
      );
      const exitGracefully = () =>
        troupe
          .close()
          .then(() => process.exit(0))
          .catch((err: unknown) => {
            logger.error({ err }, 'graceful stop failed');
            process.exit(1);
          });
      let signals = 0;
      const onSignal = (signal: string) => {
        signals++;
        if (signals > 1) {
          logger.warn({ signal }, 'second signal: exiting at once');
          process.exit(130);
        }
        logger.info({ signal }, 'stopping gracefully');
        void exitGracefully();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // `troupe shutdown <worker>` stops the worker itself; then the process has nothing left to do
      worker.once('stopped', () => void exitGracefully());
      if (opts.burst) {
        // signals above still stop it gracefully while it works
        const probe = openRedis(g.redis, { maxRetriesPerRequest: 1 });
        await untilDrained(worker, probe, troupe.keys);
        probe.disconnect();
        logger.info({ worker: worker.id, stats: worker.stats() }, 'burst: no mail left, stopping');
        await troupe.close();
        process.exit(0);
      }
    });
}

interface WorkerOpts {
  actors: string[];
  concurrency: number;
  leaseMs: number;
  batchSize: number;
  name?: string;
  logLevel: string;
  burst?: boolean;
}

import { InvalidArgumentError, type Command } from 'commander';
import { pino } from 'pino';
import { serveMetrics, type MetricsServer } from '../../metrics/serve-metrics.ts';
import { workerMetrics } from '../../metrics/worker-metrics.ts';
import type { Logger } from '../../logger.ts';
import type { PoolOptions } from '../../runtime/worker-types.ts';
import { connectRedis } from '../../redis/connection.ts';
import { untilDrained } from '../burst.ts';
import { showWorkerTitle } from '../process-title.ts';
import { loadActors } from '../load-actors.ts';
import { openNamespace } from '../namespace.ts';
import { stopOnSignals } from '../parent-watch.ts';
import { globalOptions, intOption } from '../options.ts';

export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the actors of the given modules: lease partitions and run turns')
    .requiredOption(
      '-a, --actors <modules...>',
      'modules (.ts or .js) whose exported Actor classes this worker runs',
    )
    .option('-c, --concurrency <n>', 'actor batches whose turns run at once', intOption, 64)
    .option('--lease-ms <ms>', 'partition lease; a dead worker is replaced after this', intOption, 10_000)
    .option('--batch-size <n>', 'messages per actor per claim', intOption, 64)
    .option(
      '--idle-ms <ms>',
      'an actor unused this long leaves memory, its log merged if long and stowed in its log bucket',
      intOption,
      60_000,
    )
    .option(
      '--pools <pools>',
      'pools to serve, earlier first, each name[:concurrency] (default: the pools of the loaded classes)',
      poolsOption,
    )
    .option('--name <name>', "worker name in the registry (default host:pid); must not be a live worker's")
    .option('--log-level <level>', 'pino log level: debug, info, warn, error', 'info')
    .option('--burst', 'work until no mail is left in the partitions this worker holds, then exit 0')
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics on GET /metrics at this port (0: a free one)',
      portOption,
    )
    .option(
      '--metrics-host <host>',
      'interface for --metrics-port; 0.0.0.0 when Prometheus scrapes from another host',
      '127.0.0.1',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ troupe worker --actors ./src/actors.ts
  $ REDIS_URL=redis://10.0.0.5:6379 troupe worker -n shop -a ./dist/actors.js -c 128
  $ troupe worker -a ./dist/actors.js --pools critical:8,default
                                              Critical mail first, at most 8 of its turns at once
  $ troupe worker -a ./src/actors.ts --burst   for batch jobs and tests: exits 0 once all is done
  $ troupe worker -a ./src/actors.ts --metrics-port 9464 --metrics-host 0.0.0.0
                                              Prometheus scrapes http://<host>:9464/metrics

Logs are pino JSON lines on stderr; every line carries "worker": the worker's name.

SIGINT or SIGTERM stops gracefully (turns in flight commit, partitions are handed over at once);
a second signal exits at once. So does the exit of the process that started the worker (npx, a
shell script), so a supervisor's SIGTERM to "npx troupe worker" never leaves an orphan behind.`,
    )
    .action(async (opts: WorkerOpts, cmd: Command) => {
      const parent = process.ppid;
      const g = globalOptions(cmd);
      // loaded here rather than at the top: `troupe send` and the other commands never load the runtime
      const { defaultWorkerName } = await import('../../runtime/worker-name.ts');
      // the name is chosen here, not by the worker, so that every line of this process carries it,
      // the ones logged before the worker exists too (loading actors, connecting, metrics)
      const name = opts.name ?? defaultWorkerName();
      const logger = pino({ level: opts.logLevel }, pino.destination(2)).child({ worker: name });
      const title = showWorkerTitle(name);
      const actors = await loadActors(opts.actors);
      // taken before the worker starts, so a busy port fails before partitions are leased
      const metrics = opts.metricsPort === undefined ? undefined : workerMetrics();
      let metricsServer: MetricsServer | undefined;
      if (metrics) {
        metricsServer = await serveMetrics(metrics.registry, {
          port: opts.metricsPort!,
          host: opts.metricsHost,
        });
        logger.info({ port: metricsServer.port, host: metricsServer.host }, 'metrics served');
      }
      // a worker may start a new system: the one command besides setup that creates its namespace
      const troupe = await openNamespace(cmd, { create: true, actors, logger: boundTo(logger, name) });
      const worker = await troupe.work({
        concurrency: opts.concurrency,
        leaseMs: opts.leaseMs,
        batchSize: opts.batchSize,
        idleMs: opts.idleMs,
        name,
        ...(opts.pools ? { pools: opts.pools } : {}),
        ...(metrics ? { observer: metrics.observer } : {}),
      });
      metrics?.track(worker);
      title.started(worker, worker.pools);
      logger.info(
        { namespace: troupe.namespace, types: actors.map((a) => a.type ?? a.name) },
        'worker ready',
      );
      const exitGracefully = stopOnSignals(
        () => {
          title.stopping();
          return troupe.close().then(() => metricsServer?.close());
        },
        logger,
        parent,
      );
      // `troupe shutdown <worker>` stops the worker itself; then the process has nothing left to do
      worker.once('stopped', exitGracefully);
      if (opts.burst) {
        // signals above still stop it gracefully while it works
        const { redis: probe } = await connectRedis(g.redis, { maxRetriesPerRequest: 1 });
        await untilDrained(worker, probe, troupe.keys);
        probe.disconnect();
        logger.info({ stats: worker.stats() }, 'burst: no mail left, stopping');
        await troupe.close();
        await metricsServer?.close();
        process.exit(0);
      }
    });
}

interface WorkerOpts {
  actors: string[];
  pools?: PoolOptions[];
  concurrency: number;
  leaseMs: number;
  batchSize: number;
  idleMs: number;
  name?: string;
  logLevel: string;
  burst?: boolean;
  metricsPort?: number;
  metricsHost: string;
}

/** Commander option parser for `--pools critical:8,default`. */
function poolsOption(value: string): PoolOptions[] {
  return value.split(',').map((part) => {
    const [name = '', limit, extra] = part.trim().split(':');
    if (name === '' || extra !== undefined) {
      throw new InvalidArgumentError(
        `expected pool names separated by commas, each name or name:concurrency; got "${value}"`,
      );
    }
    return limit === undefined ? { name } : { name, concurrency: intOption(limit) };
  });
}

/** Commander option parser for TCP ports: 0 (any free port) to 65535. */
function portOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('expected a port, 0 to 65535');
  return n;
}

/**
 * `logger`, already bound to `{ worker: name }`, for Troupe: the worker binds its id into its lines
 * itself, which would write the field twice; that binding is dropped here, any other kept.
 */
function boundTo(logger: pino.Logger, name: string): Logger {
  return {
    debug: (obj, msg) => logger.debug(obj, msg),
    info: (obj, msg) => logger.info(obj, msg),
    warn: (obj, msg) => logger.warn(obj, msg),
    error: (obj, msg) => logger.error(obj, msg),
    child: (bindings) => {
      const { worker, ...rest } = bindings;
      if (worker !== undefined && worker !== name) return logger.child(bindings);
      return Object.keys(rest).length ? logger.child(rest) : logger;
    },
  };
}

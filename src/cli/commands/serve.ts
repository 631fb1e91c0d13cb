import type { Command } from 'commander';
import { pino } from 'pino';
import { ConfigError } from '../../errors.ts';
import { buildHttpApp } from '../../http/app.ts';
import { closeRedis, connectRedis } from '../../redis/connection.ts';
import { loadActors } from '../load-actors.ts';
import { openNamespace } from '../namespace.ts';
import { stopOnSignals } from '../parent-watch.ts';
import { globalOptions, intOption, portOption } from '../options.ts';

/** `troupe serve`: the HTTP ingress, so any service can tell and ask actors over HTTP. */
export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('HTTP ingress: POST /actors/<type>/<id>/<method> tells (or asks, with ?ask) an actor')
    .option('-p, --port <port>', 'TCP port to listen on (0 picks a free one)', portOption, 8080)
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--token <token>', 'bearer token callers must send (default: $TROUPE_HTTP_TOKEN)')
    .option('--no-auth', 'accept requests without a token (only behind something that authenticates)')
    .option(
      '-a, --actors <modules...>',
      'modules with the actor classes: unknown methods and bad args then get a 400 instead of a dead letter',
    )
    .option('--max-body-bytes <n>', 'larger request bodies get a 413', intOption, 1024 * 1024)
    .option(
      '--ask-timeout <ms>',
      'how long ?ask waits for a reply unless ?timeoutMs= says',
      intOption,
      30_000,
    )
    .option('--log-level <level>', 'pino log level: debug, info, warn, error', 'info')
    .addHelpText(
      'after',
      `
Examples:
  $ TROUPE_HTTP_TOKEN=s3cret troupe serve --port 8080 -a ./src/actors.ts
  $ curl -H 'Authorization: Bearer s3cret' -d '[5]' http://127.0.0.1:8080/actors/counter/c-1/add
  $ curl -H 'Authorization: Bearer s3cret' -d '[]' 'http://127.0.0.1:8080/actors/counter/c-1/value?ask'

The body is the JSON array of the handler's arguments. A tell answers 202 once the message is
stored; ?ask answers 200 with {"ok":true,"value":...}. GET /healthz answers 200 while Redis does.
SIGINT or SIGTERM stops gracefully (requests in flight finish); a second signal exits at once.
So does the exit of the process that started it (npx, a shell script): no orphan keeps the port.`,
    )
    .action(async (opts: ServeOpts, cmd: Command) => {
      const parent = process.ppid;
      const token = opts.token ?? process.env.TROUPE_HTTP_TOKEN;
      if (opts.auth && !token) {
        throw new ConfigError(
          'troupe serve needs a bearer token: pass --token <token> or set TROUPE_HTTP_TOKEN ' +
            '(or --no-auth to accept anyone who reaches the port, only behind a proxy that authenticates)',
        );
      }
      const g = globalOptions(cmd);
      const logger = pino({ level: opts.logLevel }, pino.destination(2));
      const actors = opts.actors ? await loadActors(opts.actors) : [];
      const troupe = await openNamespace(cmd, { actors, logger });
      const { redis: health } = await connectRedis(g.redis, { maxRetriesPerRequest: 1 });
      const app = buildHttpApp({
        troupe,
        token: opts.auth && token ? token : false,
        ping: () => health.ping(),
        actors,
        maxBodyBytes: opts.maxBodyBytes,
        askTimeoutMs: opts.askTimeout,
        logger,
      });
      // A taken port rejects with a ConfigError naming --port: main prints it as one line and exits 2.
      const server = await app.listen({ port: opts.port, host: opts.host });
      logger.info(
        {
          address: server.url,
          namespace: troupe.namespace,
          auth: opts.auth,
          types: actors.map((a) => a.type ?? a.name),
        },
        'http ingress ready',
      );
      if (!opts.auth)
        logger.warn({}, 'authentication is off (--no-auth): anyone who reaches the port can send');

      stopOnSignals(
        () =>
          server
            .close()
            .then(() => troupe.close())
            .then(() => closeRedis(health)),
        logger,
        parent,
      );
    });
}

interface ServeOpts {
  port: number;
  host: string;
  token?: string;
  auth: boolean;
  actors?: string[];
  maxBodyBytes: number;
  askTimeout: number;
  logLevel: string;
}

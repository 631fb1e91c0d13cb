import type { Command } from 'commander';
import { pino } from 'pino';
import { buildDashboard } from '../../dashboard/app.ts';
import { ConfigError } from '../../errors.ts';
import { loadActors } from '../load-actors.ts';
import { openNamespace } from '../namespace.ts';
import { stopOnSignals } from '../parent-watch.ts';
import { portOption } from '../options.ts';

/** Addresses only this machine reaches: there the dashboard may run without a token. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** `troupe dashboard`: the web page of one namespace (workers, load, types, dead letters, actors). */
export function dashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description(
      'web dashboard: workers, load over time, types (pause/resume), dead letters (retry/purge), actors',
    )
    .option('-p, --port <port>', 'TCP port to listen on (0 picks a free one)', portOption, 8080)
    .option('--host <host>', 'address to listen on; any but a loopback one needs --token', '127.0.0.1')
    .option(
      '--token <token>',
      'token the page asks for once per browser session (default: $TROUPE_DASHBOARD_TOKEN)',
    )
    .option(
      '-a, --actors <modules...>',
      'modules with the actor classes, to show contexts folded as read() does',
    )
    .option('--log-level <level>', 'pino log level: debug, info, warn, error', 'info')
    .addHelpText(
      'after',
      `
Examples:
  $ troupe dashboard -n shop -a ./dist/actors.js            # http://127.0.0.1:8080
  $ TROUPE_DASHBOARD_TOKEN=s3cret troupe dashboard --host 0.0.0.0 --port 8080

Everything the page does goes through the same API as the other commands (troupe pause, troupe
dead-letters retry, ...). The charts keep what happened since the dashboard started (30 minutes).
SIGINT or SIGTERM stops it; so does the exit of the process that started it.`,
    )
    .action(async (opts: DashboardOpts, cmd: Command) => {
      const parent = process.ppid;
      const token = opts.token ?? process.env.TROUPE_DASHBOARD_TOKEN;
      if (!token && !LOOPBACK.test(opts.host)) {
        throw new ConfigError(
          `troupe dashboard on ${opts.host} needs a token, since anyone who reaches the port could retry, ` +
            'purge and pause: pass --token <token> or set TROUPE_DASHBOARD_TOKEN (or keep the default --host 127.0.0.1)',
        );
      }
      const logger = pino({ level: opts.logLevel }, pino.destination(2));
      const actors = opts.actors ? await loadActors(opts.actors) : [];
      const troupe = await openNamespace(cmd, { actors, logger });
      const dashboard = buildDashboard({ troupe, token: token || false, logger });
      const server = await dashboard.listen({ port: opts.port, host: opts.host });
      logger.info(
        { address: server.url, namespace: troupe.namespace, auth: Boolean(token) },
        'dashboard ready',
      );

      // the live streams end first, or closing would wait for them
      stopOnSignals(
        () =>
          dashboard
            .stop()
            .then(() => server.close())
            .then(() => troupe.close()),
        logger,
        parent,
      );
    });
}

interface DashboardOpts {
  port: number;
  host: string;
  token?: string;
  actors?: string[];
  logLevel: string;
}

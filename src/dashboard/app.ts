import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { Troupe } from '../client/troupe.ts';
import { systemClock, type Clock } from '../clock.ts';
import { ConfigError } from '../errors.ts';
import { bearerAuth } from '../http/auth.ts';
import { errorResponse, HttpError, toHttpError } from '../http/errors.ts';
import { listenHttp, type HttpServer, type ListenOptions } from '../http/server.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { actionRoutes } from './actions.ts';
import { asset } from './assets.ts';
import { LiveView } from './live.ts';

/** Options of {@link buildDashboard}. */
export interface DashboardOptions {
  /** The namespace to show, as `connect()` opened it (with actor classes, contexts are folded). */
  troupe: Troupe;
  /**
   * The bearer token every API request must carry; the page asks for it once per browser session.
   * `false` serves without one: only on a loopback address (`troupe dashboard` enforces that).
   */
  token: string | false;
  /** How often the page's live view is read from Redis (default 2 000 ms). */
  sampleMs?: number;
  /** How far back the charts go (default 30 minutes; kept in this process's memory). */
  historyMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** A dashboard, built by {@link buildDashboard}. */
export interface Dashboard {
  /** Answers one request (the page, its files, its API) without a socket. */
  fetch(request: Request): Promise<Response>;
  /** Starts sampling and listening; rejects with a ConfigError naming the fix when the port cannot be taken. */
  listen(options: ListenOptions): Promise<HttpServer>;
  /** Stops sampling (close the server first). */
  stop(): Promise<void>;
}

const AUTH_HINT = '--token or TROUPE_DASHBOARD_TOKEN';

/**
 * Builds the web dashboard of one namespace: the page at `/`, its JSON API under `/api/`, and a
 * server-sent event stream (`/api/live`) that carries a new sample every `sampleMs`. Every action
 * goes through the public API (`troupe.admin`, `troupe.deadLetters`, `troupe.actors`). See
 * docs/dashboard.md.
 *
 * @example
 * ```ts
 * const troupe = await connect({ redis: 'redis://127.0.0.1:6379', namespace: 'shop', actors: [Order] });
 * const dashboard = buildDashboard({ troupe, token: process.env.TROUPE_DASHBOARD_TOKEN! });
 * const server = await dashboard.listen({ port: 8080 });
 * console.log(`open ${server.url}`);
 * ```
 */
export function buildDashboard(options: DashboardOptions): Dashboard {
  const { troupe, token } = options;
  if (token !== false && (typeof token !== 'string' || token === '')) {
    throw new ConfigError('the dashboard needs a non-empty token, or token: false on a loopback address');
  }
  const logger = options.logger ?? silentLogger;
  const live = new LiveView({
    troupe,
    clock: options.clock ?? systemClock,
    logger,
    ...(options.sampleMs === undefined ? {} : { sampleMs: options.sampleMs }),
    ...(options.historyMs === undefined ? {} : { historyMs: options.historyMs }),
  });
  const authorize = token === false ? undefined : bearerAuth(token, AUTH_HINT);
  const app = new Hono();

  app.onError((err, c) => {
    const mapped = toHttpError(err);
    if (mapped.status >= 500 && mapped.code === 'internal') {
      logger.error(
        { err, method: c.req.method, path: new URL(c.req.url).pathname },
        'dashboard request failed',
      );
    }
    return errorResponse(mapped);
  });

  // the page and its files need no token: they hold no data, and the page asks for the token
  app.get('/', () => serve('/index.html'));
  app.get('/:file{[^/]+}', (c) => serve(`/${c.req.param('file')}`));
  app.get('/vendor/:file{[^/]+}', (c) => serve(`/vendor/${c.req.param('file')}`));

  const api = new Hono();
  if (authorize)
    api.use(async (c, next) => {
      authorize(c.req.header('authorization'));
      await next();
    });
  api.use(
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw new HttpError(
          413,
          'body-too-large',
          'the request body is over 64 KiB: name fewer dead letters at once, or use "all"',
        );
      },
    }),
  );
  api.get('/snapshot', async (c) => {
    const { history, latest } = await live.snapshot();
    return c.json({ ok: true, namespace: troupe.namespace, auth: token !== false, history, latest });
  });
  api.get('/live', (c) =>
    streamSSE(c, async (stream) => {
      let end = () => {};
      const done = new Promise<void>((resolve) => {
        end = resolve;
        stream.onAbort(resolve);
      });
      const unsubscribe = live.subscribe({
        update: (update) => void stream.writeSSE({ event: 'update', data: JSON.stringify(update) }),
        end,
      });
      await done;
      unsubscribe();
    }),
  );
  actionRoutes(api, { troupe, changed: () => live.refresh() });
  api.notFound((c) =>
    errorResponse(
      new HttpError(
        404,
        'not-found',
        `no dashboard API route ${c.req.method} ${new URL(c.req.url).pathname}`,
      ),
    ),
  );
  app.route('/api', api);

  let started: Promise<void> | undefined;
  return {
    fetch: async (request) => app.fetch(request),
    listen: async (listenOptions) => {
      started ??= live.start();
      await started;
      return listenHttp(app.fetch, listenOptions);
    },
    stop: () => live.stop(),
  };
}

async function serve(path: string): Promise<Response> {
  const found = await asset(path);
  if (!found) throw new HttpError(404, 'not-found', `no file ${path}: open the dashboard at /`);
  return new Response(found.body, { headers: { 'content-type': found.type, 'cache-control': 'no-cache' } });
}

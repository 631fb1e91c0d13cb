import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ActorRegistry } from '../actor/registry.ts';
import type { ActorClass } from '../actor/types.ts';
import type { Troupe } from '../client/troupe.ts';
import { ConfigError, HandlerError, TimeoutError } from '../errors.ts';
import { silentLogger, type Logger } from '../logger.ts';
import { bearerAuth } from './auth.ts';
import { listActors } from './actor-listing.ts';
import { bodyTooLarge, errorResponse, HttpError, toHttpError } from './errors.ts';
import { checkName } from '../redis/keys.ts';
import {
  actorsQuery,
  checkMessage,
  parseActorPath,
  parseArgs,
  parseQuery,
  type HttpMessage,
} from './request.ts';
import { listenHttp, type HttpServer, type ListenOptions } from './server.ts';

/** Options of {@link buildHttpApp}. */
export interface HttpAppOptions {
  /** The connection messages are sent through. */
  troupe: Troupe;
  /**
   * The bearer token every request but `GET /healthz` must carry. `false` turns authentication off,
   * on purpose only: anyone who reaches the port can then message every actor.
   */
  token: string | false;
  /** Answers when Redis does (e.g. `() => redis.ping()`); `GET /healthz` calls it. */
  ping: () => Promise<unknown>;
  /** Actor classes: with them, unknown types and methods and args failing a schema get a 400. */
  actors?: readonly ActorClass[];
  /** Larger request bodies get a 413 (default 1 MiB, as `maxMessageBytes`). */
  maxBodyBytes?: number;
  /** How long `?ask` waits for a reply unless `?timeoutMs` says otherwise (default 30 000 ms). */
  askTimeoutMs?: number;
  /** Where 5xx errors are logged (default: nowhere). */
  logger?: Logger;
}

/** `GET /healthz` fails after this long without a reply from Redis. */
const PING_TIMEOUT_MS = 2_000;

/** The HTTP ingress, built by {@link buildHttpApp}. */
export interface HttpApp {
  /**
   * Answers one request without a socket: for tests, or to mount the ingress in a server of your
   * own (any runtime that speaks the Fetch API).
   */
  fetch(request: Request): Promise<Response>;
  /** Starts listening; rejects with a ConfigError naming the fix when the port cannot be taken. */
  listen(options: ListenOptions): Promise<HttpServer>;
}

/**
 * Builds the HTTP ingress (not listening yet): `POST /actors/:type/:id/:method` tells (202) or, with
 * `?ask`, asks (200 with the value); `GET /actors/:type?where=…` lists a type's actors (or counts
 * them, with `?count`); `GET /healthz` checks Redis. Every error is a JSON body
 * `{ ok: false, error: { code, message } }`. See "HTTP ingress" in docs/protocol.md.
 *
 * @example
 * ```ts
 * const app = buildHttpApp({ troupe, token: process.env.TROUPE_HTTP_TOKEN!, ping: () => redis.ping() });
 * const server = await app.listen({ port: 8080, host: '127.0.0.1' });
 * // ... on SIGTERM: requests in flight are answered first
 * await server.close();
 * ```
 */
export function buildHttpApp(options: HttpAppOptions): HttpApp {
  const { troupe, token } = options;
  if (token !== false && (typeof token !== 'string' || token === '')) {
    throw new ConfigError(
      'the HTTP ingress needs a non-empty bearer token, or token: false to run without auth',
    );
  }
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const askTimeoutMs = options.askTimeoutMs ?? 30_000;
  const logger = options.logger ?? silentLogger;
  const registry = new ActorRegistry(options.actors ?? []);
  const authorize = token === false ? undefined : bearerAuth(token);

  const app = new Hono();

  app.onError((err, c) => {
    const mapped = toHttpError(err);
    if (mapped.status >= 500 && mapped.code === 'internal') {
      const url = new URL(c.req.url);
      logger.error({ err, method: c.req.method, url: url.pathname + url.search }, 'http request failed');
    }
    return errorResponse(mapped);
  });

  app.notFound((c) =>
    errorResponse(
      new HttpError(
        404,
        'not-found',
        `no route ${c.req.method} ${new URL(c.req.url).pathname}: use POST /actors/<type>/<id>/<method>, GET /actors/<type> or GET /healthz`,
      ),
    ),
  );

  // Registered before the auth middleware, so it answers without a token (for load balancers).
  app.get('/healthz', async (c) => {
    try {
      await withTimeout(options.ping(), PING_TIMEOUT_MS);
    } catch (err) {
      throw new HttpError(503, 'redis-unavailable', `Redis does not answer: ${(err as Error).message}`);
    }
    return c.json({ ok: true });
  });

  // Authentication runs before the body is read, so an anonymous caller costs no reading or parsing.
  // It guards unknown routes too: without a token, nobody learns which paths exist.
  if (authorize) {
    app.use(async (c, next) => {
      authorize(c.req.header('authorization'));
      await next();
    });
  }

  // Empty segments match too, so the name check can say what is wrong instead of a bare 404.
  app.post(
    '/actors/:type{[^/]*}/:id{[^/]*}/:method{[^/]*}',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw bodyTooLarge(maxBodyBytes);
      },
    }),
    async (c) => {
      const url = new URL(c.req.url);
      // Any content type is read as JSON text (curl -d sends form-urlencoded); parseArgs explains mistakes.
      const msg: HttpMessage = {
        ...parseActorPath(url.pathname),
        ...parseQuery(url.searchParams),
        args: parseArgs(await c.req.text()),
      };
      checkMessage(msg, registry);
      const ttl = msg.ttlMs === undefined ? {} : { messageTtlMs: msg.ttlMs };
      if (!msg.ask) {
        await troupe.ref(msg.type, msg.id, ttl).tell(msg.method, ...msg.args);
        return c.json({ ok: true }, 202);
      }
      const timeoutMs = msg.timeoutMs ?? askTimeoutMs;
      try {
        const value = (await troupe
          .ref(msg.type, msg.id, { askTimeoutMs: timeoutMs, ...ttl })
          .ask(msg.method, ...msg.args)) as unknown;
        return c.json({ ok: true, value: value ?? null });
      } catch (err) {
        throw explain(err, msg, timeoutMs, troupe.namespace);
      }
    },
  );

  app.get('/actors/:type{[^/]*}', async (c) => {
    const url = new URL(c.req.url);
    const type = checkName('actor type', decodeURIComponent(c.req.param('type')));
    return c.json(await listActors(troupe, type, actorsQuery(url.searchParams)));
  });

  return {
    fetch: async (request) => app.fetch(request),
    listen: (listenOptions) => listenHttp(app.fetch, listenOptions),
  };
}

/** The client's timeout speaks of askTimeoutMs; say it in HTTP terms. */
function explain(err: unknown, msg: HttpMessage, timeoutMs: number, namespace: string): unknown {
  if (err instanceof HandlerError) {
    // The client's message is "<name>: <message>"; the body carries the two apart.
    const prefix = `${err.remoteName}: `;
    const message = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    return new HttpError(502, 'handler-error', message, err.remoteName);
  }
  if (!(err instanceof TimeoutError)) return err;
  if (err.pausedType !== undefined) {
    return new HttpError(
      504,
      'ask-timeout',
      `no reply from ${msg.type}/${msg.id} ${msg.method} within ${timeoutMs} ms: actor type "${err.pausedType}" ` +
        `is paused in namespace ${namespace}, so no worker runs its messages. Resume it with: troupe resume ` +
        `${err.pausedType} -n ${namespace}. The message stays queued and runs once the type is resumed.`,
    );
  }
  return new HttpError(
    504,
    'ask-timeout',
    `no reply from ${msg.type}/${msg.id} ${msg.method} within ${timeoutMs} ms. Is a worker serving namespace ` +
      `${namespace}? (troupe worker -n ${namespace} -a ./your-actors.ts). Raise ?timeoutMs= for a slow ` +
      'handler. The message stays queued and runs once a worker is up.',
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

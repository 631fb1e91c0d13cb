import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ActorRegistry } from '../actor/registry.ts';
import type { ActorClass } from '../actor/types.ts';
import type { Troupe } from '../client/troupe.ts';
import { ConfigError, HandlerError, TimeoutError } from '../errors.ts';
import { silentLogger, type Logger } from '../runtime/logger.ts';
import { bearerAuth } from './auth.ts';
import { HttpError, toHttpError } from './errors.ts';
import { checkMessage, parseArgs, parseQuery, type HttpMessage } from './request.ts';

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

/**
 * Builds the HTTP ingress (not listening yet): `POST /actors/:type/:id/:method` tells (202) or, with
 * `?ask`, asks (200 with the value); `GET /healthz` checks Redis. Every error is a JSON body
 * `{ ok: false, error: { code, message } }`. See "HTTP ingress" in docs/protocol.md.
 *
 * @example
 * ```ts
 * const app = buildHttpApp({ troupe, token: process.env.TROUPE_HTTP_TOKEN!, ping: () => redis.ping() });
 * await app.listen({ port: 8080, host: '127.0.0.1' });
 * ```
 */
export function buildHttpApp(options: HttpAppOptions): FastifyInstance {
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

  const app = Fastify({
    bodyLimit: maxBodyBytes,
    logger: false,
    frameworkErrors: (err, _req, reply) => {
      void sendError(reply, toHttpError(err, maxBodyBytes));
    },
  });

  const sendError = (reply: FastifyReply, err: HttpError) => {
    if (err.status === 401) void reply.header('www-authenticate', 'Bearer');
    return reply.code(err.status).send(err.body());
  };

  // Any content type (curl -d sends form-urlencoded) is read as JSON text; parseArgs explains mistakes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, req, reply) => {
    const mapped = toHttpError(err, maxBodyBytes);
    if (mapped.status >= 500 && mapped.code === 'internal') {
      logger.error({ err, method: req.method, url: req.url }, 'http request failed');
    }
    return sendError(reply, mapped);
  });

  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      new HttpError(
        404,
        'not-found',
        `no route ${req.method} ${req.url.split('?')[0]}: use POST /actors/<type>/<id>/<method> or GET /healthz`,
      ),
    ),
  );

  // Authentication runs before the body is read, so an anonymous caller costs no parsing.
  app.addHook('onRequest', (req, _reply, done) => {
    try {
      if (authorize && req.routeOptions.url !== '/healthz') authorize(req.headers.authorization);
      done();
    } catch (err) {
      done(err as Error);
    }
  });

  app.get('/healthz', async (_req, reply) => {
    try {
      await withTimeout(options.ping(), PING_TIMEOUT_MS);
    } catch (err) {
      return sendError(
        reply,
        new HttpError(503, 'redis-unavailable', `Redis does not answer: ${(err as Error).message}`),
      );
    }
    return { ok: true };
  });

  app.post('/actors/:type/:id/:method', async (req: FastifyRequest, reply) => {
    const params = req.params as { type: string; id: string; method: string };
    const msg: HttpMessage = {
      ...params,
      ...parseQuery(req.query as Record<string, unknown>),
      args: parseArgs(req.body as string | undefined),
    };
    checkMessage(msg, registry);
    if (!msg.ask) {
      await troupe.ref(msg.type, msg.id).tell(msg.method, ...msg.args);
      return reply.code(202).send({ ok: true });
    }
    const timeoutMs = msg.timeoutMs ?? askTimeoutMs;
    try {
      const value = (await troupe
        .ref(msg.type, msg.id, { askTimeoutMs: timeoutMs })
        .ask(msg.method, ...msg.args)) as unknown;
      return { ok: true, value: value ?? null };
    } catch (err) {
      throw explain(err, msg, timeoutMs, troupe.namespace);
    }
  });

  return app;
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

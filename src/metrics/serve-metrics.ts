/** A minimal HTTP endpoint for Prometheus to scrape: `GET /metrics`, nothing else. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { listenOn } from '../listen.ts';

/** Where {@link serveMetrics} listens. */
export interface ServeMetricsOptions {
  /** TCP port; 0 picks a free one (read it from the result). */
  port: number;
  /**
   * Interface to listen on (default `'127.0.0.1'`: only this host can scrape). Use `'0.0.0.0'` when
   * Prometheus scrapes from another host or container.
   */
  host?: string;
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The port listened on: the one asked for, or the one picked for port 0. */
  readonly port: number;
  /** The interface listened on. */
  readonly host: string;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/**
 * Serves `registry` over HTTP for Prometheus: `GET /metrics` (and `HEAD`) answers
 * `registry.metrics()` with `registry.contentType`; any other path is a 404. Resolves once
 * listening; rejects with a ConfigError when the port cannot be taken.
 *
 * @example
 * ```ts
 * import { serveMetrics, workerMetrics } from 'troupe';
 *
 * const metrics = workerMetrics();
 * const server = await serveMetrics(metrics.registry, { port: 0 });
 * const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
 * await server.close();
 * ```
 */
export async function serveMetrics(registry: Registry, options: ServeMetricsOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => void answer(registry, req, res));
  const port = await listenOn(server, options.port, host, { what: 'metrics', port: 'metrics port' });
  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
  };
}

async function answer(registry: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
    return;
  }
  try {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${String(err)}\n`);
  }
}

/** The HTTP ingress on a Node HTTP server: listening with an error that names the fix, and a graceful close. */
import { createServer, type ServerResponse } from 'node:http';
import { getRequestListener, RequestError } from '@hono/node-server';
import { listenOn } from '../listen.ts';
import { errorResponse, HttpError } from './errors.ts';

/** Where {@link listenHttp} listens. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one (read it from the result). */
  port: number;
  /** Interface to listen on (default `'127.0.0.1'`; `'0.0.0.0'` for every interface). */
  host?: string;
}

/** A listening HTTP ingress. */
export interface HttpServer {
  /** Its base URL, e.g. `http://127.0.0.1:8080`, with the port picked for port 0. */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** The interface listened on. */
  readonly host: string;
  /**
   * Stops accepting connections and resolves once every request in flight has been answered;
   * idle keep-alive connections are closed at once, busy ones after their answer.
   */
  close(): Promise<void>;
}

/** Answers one Fetch API request, as a Hono app's `fetch` does. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * Serves `fetch` on `host:port`. Resolves once listening; rejects with a ConfigError when the port
 * cannot be taken (in use, privileged), which the command line prints as one line.
 */
export async function listenHttp(fetch: FetchHandler, options: ListenOptions): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const answer = getRequestListener(fetch, { errorHandler: refused });
  const unanswered = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;
  const server = createServer((req, res) => {
    // A keep-alive client may send more requests after close() began: answer them, then hang up,
    // so close() does not wait out the connection's idle timeout.
    if (closing) res.setHeader('connection', 'close');
    unanswered.add(res);
    res.once('close', () => unanswered.delete(res));
    void answer(req, res);
  });
  const port = await listenOn(server, options.port, host, { what: 'HTTP', port: 'port with --port' });
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    host,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        // Answers still being worked on end their connection too (see above).
        for (const res of unanswered) if (!res.headersSent) res.setHeader('connection', 'close');
        // Node closes idle keep-alive connections here; the callback runs once the last one ends.
        server.close((err) => (err ? reject(err) : resolve()));
      })),
  };
}

/** What the adapter could not turn into a Request (e.g. a bad Host header) gets a JSON error too. */
function refused(err: unknown): Response {
  return errorResponse(
    err instanceof RequestError
      ? new HttpError(400, 'bad-request', `${err.message}: send a valid HTTP/1.1 request`)
      : new HttpError(500, 'internal', 'internal error; the server log has the details'),
  );
}

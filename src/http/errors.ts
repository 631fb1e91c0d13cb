import { HTTPException } from 'hono/http-exception';
import {
  ClosedError,
  ConfigError,
  HandlerError,
  IndexRebuildingError,
  SendError,
  TimeoutError,
  ValidationError,
} from '../errors.ts';

/** The JSON body of every error the HTTP ingress returns. */
export interface HttpErrorBody {
  ok: false;
  error: {
    /** A stable, machine-readable reason, e.g. `unknown-method` or `ask-timeout`. */
    code: string;
    /** What went wrong and how to fix it, for a human. */
    message: string;
    /** For `handler-error`: the name of the error the handler threw (e.g. `RangeError`). */
    name?: string;
  };
}

/** A request the ingress refuses on purpose: an HTTP status, a code and a message that names the fix. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly remoteName?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  body(): HttpErrorBody {
    const error: HttpErrorBody['error'] = { code: this.code, message: this.message };
    if (this.remoteName !== undefined) error.name = this.remoteName;
    return { ok: false, error };
  }
}

/** The error as a JSON response; a 401 names the scheme in `www-authenticate`, as HTTP asks of a 401. */
export function errorResponse(err: HttpError): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err.status === 401) headers['www-authenticate'] = 'Bearer';
  return new Response(JSON.stringify(err.body()), { status: err.status, headers });
}

/** The 413 for a body over the limit, saying what to send instead. */
export function bodyTooLarge(maxBodyBytes: number): HttpError {
  return new HttpError(
    413,
    'body-too-large',
    `the request body is over ${maxBodyBytes} bytes (--max-body-bytes): send a reference to the payload ` +
      '(e.g. a key where it is stored) instead, or raise --max-body-bytes (and maxMessageBytes on workers)',
  );
}

/**
 * Maps anything a route throws to an HttpError: Troupe's errors by class, Hono's own 4xx
 * (HTTPException) as a bad request, the rest to 500 (the caller logs those).
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof HandlerError) return new HttpError(502, 'handler-error', err.message, err.remoteName);
  if (err instanceof TimeoutError) return new HttpError(504, 'ask-timeout', err.message);
  if (err instanceof ValidationError) return new HttpError(400, 'invalid-message', err.message);
  if (err instanceof IndexRebuildingError) return new HttpError(503, 'index-rebuilding', err.message);
  if (err instanceof ConfigError) return new HttpError(400, 'bad-request', err.message);
  if (err instanceof SendError) return new HttpError(503, 'redis-unavailable', err.message);
  if (err instanceof ClosedError)
    return new HttpError(503, 'shutting-down', 'the server is shutting down; retry');
  if (err instanceof HTTPException && err.status >= 400 && err.status < 500) {
    return new HttpError(err.status, 'bad-request', err.message);
  }
  return new HttpError(500, 'internal', 'internal error; the server log has the details');
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from './errors.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Returns a check of the `Authorization: Bearer <token>` header that throws a 401 HttpError. The
 * comparison takes the same time whatever the header holds: both sides are hashed to equal length
 * and compared with timingSafeEqual.
 */
export function bearerAuth(
  token: string,
  /** Where the token comes from, for the error messages. */
  from = '--token or TROUPE_HTTP_TOKEN',
): (header: string | undefined) => void {
  const expected = digest(token);
  return (header) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    if (!match?.[1]) {
      throw new HttpError(
        401,
        'unauthorized',
        `missing "Authorization: Bearer <token>" header: send the token the server was started with (${from})`,
      );
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      throw new HttpError(
        401,
        'unauthorized',
        `wrong bearer token: send the token the server was started with (${from})`,
      );
    }
  };
}

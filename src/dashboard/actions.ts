/**
 * The dashboard API's reads and actions on one namespace, each a call of the public API: dead
 * letters (list, retry, purge), pausing types, inspecting an actor and searching a type's actors.
 */
import type { Hono } from 'hono';
import type { AllDeadLetters } from '../client/dead-letter-entries.ts';
import type { Troupe } from '../client/troupe.ts';
import { HttpError } from '../http/errors.ts';
import { listActors } from '../http/actor-listing.ts';
import { actorsQuery } from '../http/request.ts';
import { DEAD_LETTER_REASONS } from '../protocol/dead-letter-reasons.ts';
import { checkName } from '../redis/keys.ts';

export interface ActionDeps {
  troupe: Troupe;
  /** An action changed the system: sample it now, so every page shows it. */
  changed: () => Promise<void>;
}

/** How many dead letters the page lists at most. */
const MAX_LISTED = 500;
/** The newest segments the actor view shows. */
const SEGMENTS = 50;

export function actionRoutes(api: Hono, { troupe, changed }: ActionDeps): void {
  api.get('/dead-letters', async (c) => {
    const q = new URL(c.req.url).searchParams;
    const limit = Math.min(MAX_LISTED, positive(q.get('limit'), 'limit') ?? 100);
    const filter = deadLetterFilter(q.get('type'), q.get('reason'));
    const list = await troupe.deadLetters.list({ ...filter, limit: limit + 1 });
    return c.json({
      ok: true,
      reasons: DEAD_LETTER_REASONS,
      more: list.length > limit,
      items: list.slice(0, limit).map((d) => ({
        id: d.id,
        actor: d.actor,
        reason: d.reason,
        error: d.error,
        attempts: d.attempts,
        at: d.at,
        method: d.envelope?.method ?? null,
        held: d.held,
      })),
    });
  });

  for (const action of ['retry', 'purge'] as const) {
    api.post(`/dead-letters/${action}`, async (c) => {
      const target = deadLetterTarget(await jsonBody(c.req.raw));
      const count = await troupe.deadLetters[action](target);
      await changed();
      return c.json({ ok: true, count });
    });
  }

  for (const action of ['pause', 'resume'] as const) {
    api.post(`/types/:type{[^/]+}/${action}`, async (c) => {
      const type = checkName('actor type', c.req.param('type'));
      await troupe.admin[action](type);
      await changed();
      return c.json({ ok: true, paused: await troupe.admin.pausedTypes() });
    });
  }

  api.get('/actors/:type{[^/]+}/:id{[^/]+}', async (c) => {
    const at = positive(new URL(c.req.url).searchParams.get('at'), 'at');
    const report = await troupe.admin.inspect(c.req.param('type'), c.req.param('id'), {
      last: SEGMENTS,
      ...(at === undefined ? {} : { at }),
    });
    return c.json({ ok: true, report });
  });

  api.get('/actors/:type{[^/]+}', async (c) => {
    const type = checkName('actor type', c.req.param('type'));
    return c.json(await listActors(troupe, type, actorsQuery(new URL(c.req.url).searchParams)));
  });
}

function positive(raw: string | null, name: string): number | undefined {
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new HttpError(400, 'bad-query', `?${name} must be a positive whole number, got "${raw}"`);
  }
  return n;
}

function deadLetterFilter(type: unknown, reason: unknown): { actor?: string; reason?: string } {
  const out: { actor?: string; reason?: string } = {};
  if (typeof type === 'string' && type !== '') out.actor = checkName('actor type', type);
  if (typeof reason === 'string' && reason !== '') out.reason = reason;
  return out;
}

async function jsonBody(req: Request): Promise<Record<string, unknown>> {
  try {
    const body = await req.json();
    if (typeof body === 'object' && body !== null && !Array.isArray(body))
      return body as Record<string, unknown>;
  } catch {
    // said below
  }
  throw new HttpError(
    400,
    'bad-json',
    'send a JSON object: {"ids": ["<id>", ...]} or {"all": true, "type": ..., "reason": ...}',
  );
}

/** `{ ids }` names dead letters; `{ all: true, type?, reason? }` takes every one matching. */
function deadLetterTarget(body: Record<string, unknown>): string[] | AllDeadLetters {
  if (body.all === true) return { all: true, ...deadLetterFilter(body.type, body.reason) };
  const ids = body.ids;
  if (Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string' && id !== '')) {
    return ids as string[];
  }
  throw new HttpError(
    400,
    'bad-target',
    'name the dead letters: {"ids": ["<id>", ...]}, or {"all": true} with an optional "type" and "reason"',
  );
}

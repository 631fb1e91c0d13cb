import type { Troupe } from '../client/troupe.ts';
import type { ActorsQuery } from './request.ts';

/** The answer to `GET /actors/:type`: a type's ids (the first `limit`) or, with `?count`, how many match. */
export type ActorListing = { ok: true; count: number } | { ok: true; ids: string[]; truncated: boolean };

/** Lists (or counts) a type's actors matching the query's `where`, for the ingress and the dashboard. */
export async function listActors(troupe: Troupe, type: string, query: ActorsQuery): Promise<ActorListing> {
  const actors = troupe.actors(type);
  const options = query.where ? { where: query.where as never } : {};
  if (query.count) return { ok: true, count: await actors.count(options) };
  const ids: string[] = [];
  for await (const id of actors.ids(options)) {
    if (ids.length === query.limit) return { ok: true, ids, truncated: true };
    ids.push(id);
  }
  return { ok: true, ids, truncated: false };
}

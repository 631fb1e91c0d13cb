import assert from 'node:assert/strict';
import type { ActorClass, Troupe } from '../../src/index.ts';
import { decodeIndexMember, encodeIndexValue } from '../../src/protocol/index-entry.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { scanKeys } from '../../src/redis/fan-out.ts';

/**
 * Holds a type's index entries to the contexts: every entry names a listed actor whose committed
 * context has that value, and every listed actor is in the index of each field it has a value
 * for. Reads the sets directly, so it sees what the queries would page through.
 */
export async function assertIndexesMatchContexts(
  troupe: Troupe,
  redis: RedisClient,
  cls: ActorClass,
): Promise<void> {
  const type = troupe.actors(cls).type;
  const listed = new Set<string>();
  for await (const id of troupe.actors(type).ids()) listed.add(id);
  const contexts = new Map<string, unknown>();
  for (const id of listed) contexts.set(id, await troupe.ref(cls, id).read());
  for (const [field, fn] of Object.entries(cls.indexes ?? {})) {
    const found = new Map<string, unknown>();
    for await (const keys of scanKeys(redis, `{troupe:${troupe.namespace}:*}:ix:${type}:${field}`)) {
      for (const key of keys) {
        for (const member of await redis.zrangeBuffer(key, '0', '-1')) {
          const { id, value } = decodeIndexMember(member);
          assert.ok(!found.has(id), `${id} is in the ${field} index twice`);
          found.set(id, value);
        }
      }
    }
    for (const [id, value] of found) {
      assert.ok(listed.has(id), `${field} index entry of ${id}, which is not listed`);
      assert.deepEqual(value, (fn as (c: unknown) => unknown)(contexts.get(id)), `${field} of ${id}`);
    }
    for (const [id, ctx] of contexts) {
      const v = (fn as (c: unknown) => unknown)(ctx);
      if (v === undefined || v === null || typeof encodeIndexValue(v) === 'string') continue;
      assert.ok(found.has(id), `${id} is missing from the ${field} index`);
    }
  }
}

import type { TestContext } from 'node:test';
import { connect, type ActorClass, type Troupe } from '../../src/index.ts';
import { uniqueNamespace } from './wait.ts';

/** A client on a fresh namespace of the Redis at `url`, and the namespace's name. */
export async function freshSystem(
  url: string,
  actors: ActorClass[],
  partitions: number,
): Promise<{ ns: string; troupe: Troupe }> {
  const ns = uniqueNamespace();
  return { ns, troupe: await connect({ redis: url, namespace: ns, actors, partitions }) };
}

/** freshSystem, closed when the test `t` ends, pass or fail. */
export async function systemForTest(
  t: TestContext,
  url: string,
  actors: ActorClass[],
  partitions: number,
): Promise<{ ns: string; troupe: Troupe }> {
  const sys = await freshSystem(url, actors, partitions);
  t.after(() => sys.troupe.close());
  return sys;
}

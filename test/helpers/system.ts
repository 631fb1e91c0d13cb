import type { TestContext } from 'node:test';
import { connect, type ActorClass, type ConnectOptions, type Troupe } from '../../src/index.ts';
import { uniqueNamespace } from './wait.ts';

/** A client on a fresh namespace of the Redis at `url`, and the namespace's name. */
export async function freshSystem(
  url: string,
  actors: ActorClass[],
  partitions: number,
  options: Pick<ConnectOptions, 'clock'> = {},
): Promise<{ ns: string; troupe: Troupe }> {
  const ns = uniqueNamespace();
  return { ns, troupe: await connect({ redis: url, namespace: ns, actors, partitions, ...options }) };
}

/** freshSystem, closed when the test `t` ends, pass or fail. */
export async function systemForTest(
  t: TestContext,
  url: string,
  actors: ActorClass[],
  partitions: number,
  options: Pick<ConnectOptions, 'clock'> = {},
): Promise<{ ns: string; troupe: Troupe }> {
  const sys = await freshSystem(url, actors, partitions, options);
  t.after(() => sys.troupe.close());
  return sys;
}

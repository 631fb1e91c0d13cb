import type { Command } from 'commander';
import type { ActorClass } from '../actor/types.ts';
import { connect } from '../client/connect.ts';
import type { Troupe } from '../client/troupe.ts';
import { NamespaceNotFoundError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { globalOptions, type GlobalOptions } from './options.ts';

/** How a command opens its namespace. */
export interface OpenOptions {
  /**
   * Create the namespace when it does not exist. Only `troupe worker` passes true (a worker starting
   * a new system is normal; `troupe setup` creates one on purpose): for any other command a namespace
   * that is not there is a typo until shown otherwise, and a send to it would wait forever.
   */
  create?: boolean;
  /** Classes the command runs or reads. */
  actors?: readonly ActorClass[];
  logger?: Logger;
}

/**
 * The one way a command opens the namespace named by -n/--namespace on the Redis of -r/--redis.
 * A namespace that does not exist is refused (exit 2) with the namespaces that do exist.
 */
export async function openNamespace(cmd: Command, options: OpenOptions = {}): Promise<Troupe> {
  const g = globalOptions(cmd);
  try {
    return await connect({
      redis: g.redis,
      namespace: g.namespace,
      waitReplicas: g.waitReplicas,
      create: options.create ?? false,
      ...(options.actors ? { actors: options.actors } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  } catch (err) {
    // the library's advice speaks of connect(); say it in the shell's terms
    if (!(err instanceof NamespaceNotFoundError)) throw err;
    const fix = `Check -n/--namespace (or TROUPE_NAMESPACE), or create it with "troupe setup -n ${err.namespace}"`;
    throw new NamespaceNotFoundError(err.namespace, err.redis, err.existing, err.complete, fix);
  }
}

/** openNamespace for one shell command: runs `fn`, then always closes so the process can exit. */
export async function withNamespace<T>(
  cmd: Command,
  fn: (troupe: Troupe, g: GlobalOptions) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const troupe = await openNamespace(cmd, options);
  try {
    return await fn(troupe, globalOptions(cmd));
  } finally {
    await troupe.close();
  }
}

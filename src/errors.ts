/**
 * Every error Troupe throws on purpose. Each sets `name`, says what to do in its message, and keeps
 * the underlying error as `cause`.
 *
 * @example
 * ```ts
 * try { await ref.ask('value'); } catch (e) { if (e instanceof TimeoutError) retryLater(); }
 * ```
 */
export class TroupeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TroupeError';
  }
}

/** An `ask` got no reply in time. The message may still be handled later: make handlers idempotent or retry with care. */
export class TimeoutError extends TroupeError {
  /**
   * The actor type, when it was paused (`troupe pause`) as the ask timed out: no worker runs its
   * messages until it is resumed, so that, not the workers, is why no reply came.
   */
  readonly pausedType: string | undefined;
  constructor(message: string, options?: { cause?: unknown; pausedType?: string }) {
    super(message, options);
    this.name = 'TimeoutError';
    this.pausedType = options?.pausedType;
  }
}

/** A handler threw while answering an `ask`; `remoteName` and `remoteStack` describe the original error. */
export class HandlerError extends TroupeError {
  readonly remoteName: string;
  readonly remoteStack: string | undefined;
  constructor(message: string, remoteName: string, remoteStack?: string) {
    super(message);
    this.name = 'HandlerError';
    this.remoteName = remoteName;
    this.remoteStack = remoteStack;
  }
}

/**
 * Thrown by a handler to say that trying again cannot help (bad input, a business rule): the
 * message goes to the dead letters at once, without retries. Any error with `retryable: false`
 * is treated the same way.
 *
 * @example
 * ```ts
 * charge(amount: number) {
 *   if (amount <= 0) throw new NonRetryableError(`amount must be positive, got ${amount}`);
 * }
 * ```
 */
export class NonRetryableError extends TroupeError {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** A handler ran past its type's `timeoutMs`; its turn failed like an error (and may be retried). */
export class HandlerTimeoutError extends TroupeError {
  constructor(message: string) {
    super(message);
    this.name = 'HandlerTimeoutError';
  }
}

/**
 * An operator stopped a turn that was stuck (`troupe abort`, `troupe.admin.abortTurn`): its signal
 * is aborted and its message goes to the dead letters without retries, to be retried from there.
 */
export class TurnAbortedError extends TroupeError {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'TurnAbortedError';
  }
}

/**
 * A message was refused before it was sent: its arguments fail the handler's schema, or it is
 * larger than `maxMessageBytes`. Nothing was stored.
 */
export class ValidationError extends TroupeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ValidationError';
  }
}

/** The caller passed something Troupe cannot use (a bad option, an unknown actor type, a bad name). */
export class ConfigError extends TroupeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/**
 * `connect({ create: false })` found no such namespace on this Redis: a typo, or a system not set
 * up yet. `existing` names the namespaces that are there (`complete` is false when the search for
 * them stopped early on a large keyspace).
 */
export class NamespaceNotFoundError extends ConfigError {
  constructor(
    readonly namespace: string,
    readonly redis: string,
    readonly existing: readonly string[],
    readonly complete: boolean,
    fix = `Check the namespace option, or create the namespace: "troupe setup -n ${namespace}", or connect() without create: false`,
  ) {
    super(`no Troupe namespace "${namespace}" on ${redis}: ${namespacesHere(existing, complete)}. ${fix}`);
    this.name = 'NamespaceNotFoundError';
  }
}

/** At most this many names are listed in a NamespaceNotFoundError's message. */
const LISTED_NAMESPACES = 20;

function namespacesHere(existing: readonly string[], complete: boolean): string {
  if (existing.length === 0)
    return complete
      ? 'there are no namespaces here yet'
      : 'found none here (the search stopped early on this large keyspace)';
  const shown = existing.slice(0, LISTED_NAMESPACES).join(', ');
  const more = existing.length > LISTED_NAMESPACES ? ` and ${existing.length - LISTED_NAMESPACES} more` : '';
  return `namespaces here${complete ? '' : ' include'}: ${shown}${more}`;
}

/** A message could not be confirmed as stored in Redis (connection lost, Redis down). It may or may not have been stored. */
export class SendError extends TroupeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SendError';
  }
}

/** An envelope or log entry could not be decoded. */
export class ProtocolError extends TroupeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
  }
}

/**
 * An envelope of a major version this worker does not speak: it is dead-lettered with reason
 * `unsupported-version`. Upgrade the workers, or have the sender write the version they speak.
 */
export class UnsupportedVersionError extends ProtocolError {
  constructor(
    readonly version: number,
    supported: number,
  ) {
    super(`envelope version ${version} is not supported; this worker speaks ${supported}`);
    this.name = 'UnsupportedVersionError';
  }
}

/** The Troupe instance was closed; create a new one with `connect()`. */
export class ClosedError extends TroupeError {
  constructor(message = 'this Troupe instance is closed; call connect() again to get a new one') {
    super(message);
    this.name = 'ClosedError';
  }
}

/**
 * A query named an index that is not complete: `troupe reindex` is rebuilding it (or stopped
 * midway: `reason` 'building'), or it was added to a type that already had actors and was never
 * built ('unbuilt'). Rather than a partial answer, this. Run (or finish) `troupe reindex <type>`.
 */
export class IndexRebuildingError extends TroupeError {
  /** The fields not complete. */
  readonly fields: string[];
  readonly reason: 'building' | 'unbuilt';
  constructor(type: string, fields: string[], reason: 'building' | 'unbuilt') {
    const names = fields.map((f) => `"${f}"`).join(', ');
    super(
      reason === 'building'
        ? `the ${names} index of ${type} is being rebuilt (troupe reindex ${type}): answers would be partial; ` +
            'ask again when the reindex is done, or run it again if it stopped (it goes on where it stopped)'
        : `the ${names} index of ${type} was added after its actors existed and is not built: ` +
            `run \`troupe reindex ${type}\` (queries on it are refused until then, rather than answered partially)`,
    );
    this.name = 'IndexRebuildingError';
    this.fields = fields;
    this.reason = reason;
  }
}

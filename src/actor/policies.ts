/** The types of an actor class's settings (`static merge`, `static retry`, `static indexes`). */

/** When an actor type's context log is merged; see `Actor.merge`. */
export interface MergePolicy {
  /** Merge once the log holds this many segments (0: never merge on count). */
  segments?: number;
  /** Merge once the log's segments take this many bytes (0: never merge on size). */
  bytes?: number;
  /** Keep merged segments this long, so `read({ at })` can look back that far (default 0). */
  retainMs?: number;
}

/**
 * Secondary indexes of an actor type: per field, a function of the context giving the value the
 * actor is found under (`undefined` or `null`: not in that index). See `Actor.indexes`.
 */
export type IndexDefinitions<C = never> = Record<
  string,
  (ctx: C) => string | number | boolean | null | undefined
>;

/** How a type's failing handlers are retried before their message goes to the dead letters. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 3; 1 means no retry). */
  attempts?: number;
  /** Wait before the first retry, doubled each time (default 100 ms). */
  backoffMs?: number;
  /** Longest wait between attempts (default 30 000 ms). */
  maxBackoffMs?: number;
  /** Random spread of each wait, as a fraction of it (default 0.2). */
  jitter?: number;
  /** Per-method overrides. */
  methods?: Record<string, Omit<RetryPolicy, 'methods'>>;
}

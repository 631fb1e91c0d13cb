/**
 * Troupe: an actor-model runtime on Redis. This file is the whole public surface.
 */
export { Actor } from './actor/actor.ts';
export type { IndexDefinitions, MergePolicy, RetryPolicy } from './actor/policies.ts';
export type { ActorClass, Address, ContextOf, MethodArgs, MethodName, MethodResult } from './actor/types.ts';
export { connect } from './client/connect.ts';
export { Troupe, type ConnectOptions } from './client/troupe.ts';
export { DeadLetters } from './client/dead-letters.ts';
export type { ActorDirectory, QueryOptions } from './client/directory.ts';
export type { ReindexProgress, ReindexResult } from './client/reindex.ts';
export type { Condition, Where } from './client/where.ts';
export type {
  DeadLetter,
  DeadLetterFilter,
  ListDeadLettersOptions,
  AllDeadLetters,
} from './client/dead-letter-entries.ts';
export {
  Admin,
  type AbortResult,
  type AdminWaitOptions,
  type WorkerEvent,
  type WorkerInfo,
} from './client/admin.ts';
export type {
  ActorState,
  BusyActor,
  DeadLetterBrief,
  InfoWorker,
  PartitionInfo,
  PoolInfo,
  SystemInfo,
  SystemInfoOptions,
} from './client/info.ts';
export type { TypeInfo } from './client/type-info.ts';
export type { InspectOptions } from './client/inspect.ts';
export type { BaseInfo, InspectReport, SegmentInfo } from './client/inspection.ts';
export { TURN_MS_BOUNDS } from './protocol/turn-times.ts';
export type { ActorRef, ReadOptions, RefOptions, TellOnceOptions, UntypedActor } from './client/ref.ts';
// Types only: a value export would load the whole runtime into every process that imports troupe,
// senders included; troupe.work() loads it when a worker starts. A Worker is only ever made by work().
export type {
  Worker,
  CommittedTurn,
  TurnOutcome,
  WorkerObserver,
  WorkOptions,
  PoolOptions,
  WorkerStats,
  WorkerEvents,
} from './runtime/worker.ts';
export type { Logger } from './logger.ts';
export {
  workerMetrics,
  serveMetrics,
  type WorkerMetrics,
  type WorkerMetricsOptions,
  type TrackedWorker,
  type MetricsServer,
  type ServeMetricsOptions,
} from './metrics/index.ts';
export type { Clock } from './clock.ts';
export {
  TroupeError,
  TimeoutError,
  HandlerError,
  ConfigError,
  NamespaceNotFoundError,
  SendError,
  ProtocolError,
  UnsupportedVersionError,
  ClosedError,
  NonRetryableError,
  HandlerTimeoutError,
  TurnAbortedError,
  ValidationError,
  IndexRebuildingError,
} from './errors.ts';
export type { StandardSchemaV1 } from './actor/schema.ts';
export type { RepeatRule, Schedule } from './protocol/repeat-record.ts';
export type { RateLimit } from './actor/flow-limits.ts';
export { partitionOf } from './protocol/partition.ts';

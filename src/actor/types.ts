import type { Actor } from './actor.ts';
import type { IndexDefinitions, MergePolicy, RetryPolicy } from './policies.ts';
import type { StandardSchemaV1 } from './schema.ts';
import type { RateLimit } from './flow-limits.ts';

// The handler types live beside the class, whose send() and ref() use them and whose own keys they
// exclude; they are re-exported here so the types of actors are found in one place.
export type { Address, MethodArgs, MethodName, MethodResult } from './actor.ts';

/** Any class that extends Actor. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActorClass<A extends Actor<any, any> = Actor<any, any>> = (new () => A) & {
  type?: string;
  merge?: MergePolicy;
  retry?: RetryPolicy;
  timeoutMs?: number;
  messageTtlMs?: number;
  pool?: string;
  onDeadLetter?: 'continue' | 'pause';
  schemas?: Record<string, StandardSchemaV1>;
  indexes?: IndexDefinitions;
  concurrency?: number;
  rateLimit?: RateLimit;
};

/** The context type of an actor. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ContextOf<A> = A extends Actor<infer C, any> ? C : unknown;

/** Accepts an actor class (`typeof Counter`) or an instance type (`Counter`) and gives the instance. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type InstanceOf<T> = T extends abstract new (...args: any) => infer I ? I : T;

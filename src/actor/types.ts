import type { Actor, MergePolicy, RetryPolicy } from './actor.ts';
import type { StandardSchemaV1 } from './schema.ts';

/** Any class that extends Actor. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActorClass<A extends Actor<any, any> = Actor<any, any>> = (new () => A) & {
  type?: string;
  merge?: MergePolicy;
  retry?: RetryPolicy;
  timeoutMs?: number;
  onDeadLetter?: 'continue' | 'pause';
  schemas?: Record<string, StandardSchemaV1>;
};

/** Names on the Actor base class that are never message handlers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type BaseKeys = keyof Actor<any, any>;

/** The handler names of an actor: its public methods, minus those of the base class. */
export type MethodName<A> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [K in keyof A]: K extends BaseKeys ? never : A[K] extends (...args: any[]) => unknown ? K : never;
}[keyof A] &
  string;

/** The argument list of handler `M` of actor `A`. */
export type MethodArgs<A, M extends MethodName<A>> = A[M] extends (...args: infer P) => unknown ? P : never;

/** What `ask` resolves to for handler `M` of actor `A`. */
export type MethodResult<A, M extends MethodName<A>> = A[M] extends (...args: never[]) => infer R
  ? Awaited<R>
  : never;

/** The context type of an actor. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ContextOf<A> = A extends Actor<infer C, any> ? C : unknown;

/** Accepts an actor class (`typeof Counter`) or an instance type (`Counter`) and gives the instance. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type InstanceOf<T> = T extends abstract new (...args: any) => infer I ? I : T;

/**
 * The address of an actor: enough for `this.send` inside a handler. Refs from `troupe.ref` add
 * `tell`, `ask` and `read`.
 */
export interface Address<A = unknown> {
  readonly type: string;
  readonly id: string;
  /** Phantom: carries the actor type for the compiler only. */
  readonly __actor?: A;
}

import {
  context,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
} from '@opentelemetry/api';
import type { TraceCarrier } from '../protocol/envelope.ts';
import { contextOf } from './carrier.ts';
import { sdkRegistered, troupeTracer } from './tracer.ts';

/**
 * The values of `troupe.turn.outcome`. Declared here rather than imported from the runtime, which
 * sits above tracing; the worker passes its TurnOutcome, so the compiler refuses that call if the
 * worker ever gains an outcome this does not name.
 */
export type SpanOutcome = 'ok' | 'retry' | 'failed';

/**
 * Starts the span of one turn (`troupe.turn <type>.<method>`, kind CONSUMER), child of the
 * context the envelope's `tc` carries, and returns the context holding it: run the handler in it,
 * inject it into the turn's sends, end it with `endTurnSpan`.
 *
 * Returns undefined when there is nothing to record or carry on (no SDK registered and no
 * incoming trace, or a span that neither records nor continues a trace), so the worker skips the
 * rest: with no SDK and no `tc`, one check is the whole cost of tracing per message.
 */
export function startTurnSpan(
  type: string,
  id: string,
  method: string,
  messageId: string,
  tc: TraceCarrier | undefined,
): Context | undefined {
  if (tc === undefined && !sdkRegistered()) return undefined;
  const parent = contextOf(tc);
  const attributes: Attributes = {
    'messaging.system': 'troupe',
    'messaging.operation.type': 'process',
    'messaging.message.id': messageId,
    'troupe.actor.type': type,
    'troupe.actor.id': id,
    'troupe.method': method,
    'troupe.message.id': messageId,
  };
  const span = troupeTracer().startSpan(
    `troupe.turn ${type}.${method}`,
    { kind: SpanKind.CONSUMER, attributes },
    parent,
  );
  // a span that records nothing and continues no trace: nothing to nest under or pass on
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return undefined;
  return trace.setSpan(parent, span);
}

/** Calls `fn` with `thisArg` and `args` inside the turn's context, so nested spans and sends see it. */
export function inTurn<T>(ctx: Context, fn: (...args: unknown[]) => T, thisArg: unknown, args: unknown[]): T {
  return context.with(ctx, fn, thisArg, ...args);
}

/**
 * Ends the turn's span with `troupe.turn.outcome`; a failed turn (`retry`: it runs again after a
 * backoff, `failed`: dead-lettered) records the error, its attempt number and status ERROR.
 */
export function endTurnSpan(ctx: Context, outcome: SpanOutcome, err?: unknown, attempt?: number): void {
  const span = trace.getSpan(ctx);
  if (!span) return;
  span.setAttribute('troupe.turn.outcome', outcome);
  if (outcome !== 'ok') {
    if (attempt !== undefined) span.setAttribute('troupe.turn.attempt', attempt);
    if (err instanceof Error) span.recordException(err);
    else span.recordException(String(err));
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
  }
  span.end();
}

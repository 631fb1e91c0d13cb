import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import type { TraceCarrier } from '../protocol/envelope.ts';

/**
 * What the global propagator writes for `ctx` (W3C `traceparent`/`tracestate` with the usual
 * setup, plus `baggage` or other keys if the process configured those propagators), or undefined
 * when it writes nothing: no span, no SDK, no propagator. An envelope carries it as `tc`.
 */
export function carrierOf(ctx: Context): TraceCarrier | undefined {
  const carrier: TraceCarrier = {};
  try {
    propagation.inject(ctx, carrier);
  } catch {
    return undefined; // a faulty propagator costs the trace, never the send
  }
  for (const key in carrier) if (typeof carrier[key] === 'string') return carrier;
  return undefined;
}

/** The carrier of the caller's active context: what a client's send carries. */
export function activeCarrier(): TraceCarrier | undefined {
  return carrierOf(context.active());
}

/**
 * The context an envelope's `tc` describes, below the root (never the worker's own ambient
 * context). A carrier the propagator cannot read (garbage, a foreign format) yields the root: the
 * turn then starts a trace of its own.
 */
export function contextOf(tc: TraceCarrier | undefined): Context {
  if (!tc) return ROOT_CONTEXT;
  try {
    return propagation.extract(ROOT_CONTEXT, tc);
  } catch {
    return ROOT_CONTEXT;
  }
}

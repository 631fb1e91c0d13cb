import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import pkg from '../../package.json' with { type: 'json' };

/** The instrumentation scope of every span Troupe starts: filter or configure by this name. */
export const TRACER_NAME = 'troupe';
export const TRACER_VERSION: string = pkg.version;

let provider: TracerProvider | undefined;
let tracer: Tracer | undefined;

/**
 * Troupe's tracer from the global provider. Cached per provider: the API's global provider is one
 * proxy that delegates to whatever SDK registers (before or after this is first called), and it
 * is only replaced by `trace.disable()`, which this notices.
 */
export function troupeTracer(): Tracer {
  const current = trace.getTracerProvider();
  if (current !== provider || tracer === undefined) {
    provider = current;
    tracer = current.getTracer(TRACER_NAME, TRACER_VERSION);
  }
  return tracer;
}

/** What the API's proxy delegates to while no SDK is registered (a no-op provider). */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether an SDK has registered a tracer provider. When not, a turn whose message carries no trace
 * context skips tracing altogether: no span object, attributes or context switch per message. Errs
 * towards true (e.g. a provider from another copy of the API), which only costs the no-op calls.
 */
export function sdkRegistered(): boolean {
  const current = trace.getTracerProvider();
  return !(current instanceof ProxyTracerProvider) || current.getDelegate() !== NOOP_PROVIDER;
}

import type { Logger } from '../logger.ts';

/**
 * Calls `onGone` once when this process's parent exits. `npx troupe worker` runs node under
 * `npm exec` → `sh -c`; a supervisor's SIGTERM reaches npm, which exits without passing it on, and
 * the worker would live on under PID 1 holding its leases. An orphan is re-parented, so a changed
 * `process.ppid` is the sign. Polled on a timer that never keeps the process alive.
 *
 * `parent` is the parent the process started with: read it first thing, because a worker is in the
 * registry (and may be told to stop) before it is ready to watch, and a parent that exits in
 * between would otherwise be missed.
 */
export function onParentExit(onGone: () => void, parent = process.ppid, everyMs = 500): () => void {
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Stops a long-running command gracefully on SIGINT, SIGTERM or its parent's exit (`parent` as for
 * onParentExit), then exits 0, or 1 when stopping fails; a second signal exits at once (130).
 * Returns the graceful stop, for a command that also stops for reasons of its own.
 */
export function stopOnSignals(stop: () => Promise<unknown>, logger: Logger, parent: number): () => void {
  let stopping: Promise<void> | undefined;
  const graceful = (): void => {
    stopping ??= stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'graceful stop failed');
        process.exit(1);
      },
    );
  };
  let signals = 0;
  const onSignal = (signal: string): void => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(130);
    }
    logger.info({ signal }, 'stopping gracefully');
    graceful();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  onParentExit(() => onSignal('parent exited'), parent);
  return graceful;
}

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

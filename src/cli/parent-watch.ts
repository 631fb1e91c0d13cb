/**
 * Calls `onGone` once when this process's parent exits. `npx troupe worker` runs node under
 * `npm exec` → `sh -c`; a supervisor's SIGTERM reaches npm, which exits without passing it on, and
 * the worker would live on under PID 1 holding its leases. An orphan is re-parented, so a changed
 * `process.ppid` is the sign. Polled on a timer that never keeps the process alive.
 */
export function onParentExit(onGone: () => void, everyMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

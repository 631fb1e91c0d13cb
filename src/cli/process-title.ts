import type { Worker } from '../runtime/worker.ts';

/** How often the title follows the worker between busy and idle. */
const EVERY_MS = 500;

/**
 * Shows what a worker process is doing where `ps` and `top` look, as rq does with setproctitle:
 * `troupe worker <name> [pools] starting|idle|busy|stopping`. Busy while any batch is claimed and not yet
 * committed. Returns the function that marks the process as stopping.
 */
export function showWorkerTitle(name: string): {
  started(worker: Worker, pools: readonly string[]): void;
  stopping(): void;
} {
  let shown = name;
  const set = (state: string): void => {
    process.title = `troupe worker ${shown} ${state}`;
  };
  set('starting');
  let timer: NodeJS.Timeout | undefined;
  return {
    started(worker, pools) {
      shown = `${name} [${pools.join(',')}]`;
      const show = (): void => set(worker.stats().inflight > 0 ? 'busy' : 'idle');
      show();
      timer = setInterval(show, EVERY_MS).unref();
    },
    stopping() {
      clearInterval(timer);
      set('stopping');
    },
  };
}

import type { RegisteredActor } from '../actor/registry.ts';
import type { Logger } from '../logger.ts';
import { mergeActor, type ActorAt, type MergeDeps, type MergeResult } from './merge.ts';

/**
 * Runs merges in the background, a few at a time, at most one per actor. Turns never wait for a
 * merge: the owner keeps appending while the merger folds the head of the log.
 */
export class MergeScheduler {
  private readonly queued = new Map<string, { at: ActorAt; entry: RegisteredActor }>();
  private readonly running = new Set<string>();
  private idle: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly deps: MergeDeps,
    private readonly concurrency: number,
    private readonly logger: Logger,
    private readonly onMerged: (at: ActorAt, result: MergeResult, durationMs: number) => void,
  ) {}

  request(at: ActorAt, entry: RegisteredActor): void {
    const id = `${at.p}|${at.akey}`;
    if (this.stopped || this.running.has(id) || this.queued.has(id)) return;
    this.queued.set(id, { at, entry });
    this.next();
  }

  get pending(): number {
    return this.queued.size + this.running.size;
  }

  /** Takes no new requests and waits for merges under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queued.clear();
    if (this.running.size === 0) return;
    await new Promise<void>((r) => this.idle.push(r));
  }

  private next(): void {
    while (this.running.size < this.concurrency && this.queued.size > 0) {
      const [id, job] = this.queued.entries().next().value!;
      this.queued.delete(id);
      this.running.add(id);
      const started = performance.now();
      mergeActor(this.deps, job.at, job.entry)
        .then(
          (result) => this.onMerged(job.at, result, performance.now() - started),
          (err: unknown) =>
            this.logger.warn({ err, actor: job.at.akey }, 'merge failed; it will be tried again'),
        )
        .finally(() => {
          this.running.delete(id);
          if (this.running.size === 0 && this.queued.size === 0) for (const r of this.idle.splice(0)) r();
          this.next();
        });
    }
  }
}

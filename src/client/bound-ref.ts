import type { Schedule } from '../protocol/repeat-record.ts';
import type { ReadOptions, TellOnceOptions } from './ref.ts';
import type { Route, Sender } from './sender.ts';

/** What a ref asks of its client; one per client, shared by all its refs. */
export interface RefBackend {
  readonly sender: Sender;
  ask(method: string, args: unknown[], timeoutMs: number, at: Route): Promise<unknown>;
  read(type: string, id: string, opts?: ReadOptions): Promise<unknown>;
  schedules(type: string, id: string): Promise<Schedule[]>;
}

/**
 * The object behind every `ActorRef`: methods on a prototype, not closures per ref, because the
 * README's way of sending builds a ref per message and each closure was an allocation (and under
 * tsx's keepNames a defineProperty) on that path.
 */
export class BoundRef {
  constructor(
    private readonly backend: RefBackend,
    private readonly at: Route,
    private readonly askTimeoutMs: number,
  ) {}

  get type(): string {
    return this.at.type;
  }

  get id(): string {
    return this.at.id;
  }

  tell(method: string, ...args: unknown[]): Promise<void> {
    return this.backend.sender.tell(this.at, method, args);
  }

  tellOnce(once: TellOnceOptions, method: string, ...args: unknown[]): Promise<boolean> {
    return this.backend.sender.tellOnce(this.at, once, method, args);
  }

  tellLater(delayMs: number, method: string, ...args: unknown[]): Promise<void> {
    return this.backend.sender.tellLater(this.at, delayMs, method, args);
  }

  ask(method: string, ...args: unknown[]): Promise<unknown> {
    return this.backend.ask(method, args, this.askTimeoutMs, this.at);
  }

  read(opts?: ReadOptions): Promise<unknown> {
    return this.backend.read(this.at.type, this.at.id, opts);
  }

  schedules(): Promise<Schedule[]> {
    return this.backend.schedules(this.at.type, this.at.id);
  }
}

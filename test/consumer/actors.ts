// The same actor in TypeScript, for `troupe worker --actors ./actors.ts` (needs the consumer's tsx).
import { Actor } from 'troupe';

type Ctx = { count: number };
type Seg = { added: number };

export class Counter extends Actor<Ctx, Seg> {
  static override type = 'counter';
  initial(): Ctx {
    return { count: 0 };
  }
  apply(ctx: Ctx, seg: Seg): Ctx {
    return { count: ctx.count + seg.added };
  }
  add(n: number): void {
    this.append({ added: n });
  }
  value(): number {
    return this.context.count;
  }
}

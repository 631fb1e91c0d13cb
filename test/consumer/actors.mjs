// A consumer's actors module in plain JavaScript, as `troupe worker --actors ./actors.mjs` loads it.
import { Actor } from 'troupe';

export class Counter extends Actor {
  static type = 'counter';
  initial() {
    return { count: 0 };
  }
  apply(ctx, seg) {
    return { count: ctx.count + seg.added };
  }
  add(n) {
    this.append({ added: n });
  }
  value() {
    return this.context.count;
  }
}

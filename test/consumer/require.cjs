// CommonJS: require('troupe') (Node >= 20.19 loads the ES module), a class defined here, a round trip.
const { Actor, connect, partitionOf } = require('troupe');

class Tally extends Actor {
  static type = 'tally';
  initial() {
    return { n: 0 };
  }
  apply(ctx, seg) {
    return { n: ctx.n + seg };
  }
  bump(by) {
    this.append(by);
    return this.context.n;
  }
}

(async () => {
  const troupe = await connect({ redis: process.env.REDIS_URL, namespace: process.env.NS, actors: [Tally] });
  const worker = await troupe.work({ concurrency: 2 });
  const value = await troupe.ref(Tally, 't-1').ask('bump', 7);
  await worker.stop();
  await troupe.close();
  console.log(JSON.stringify({ value, partition: partitionOf('tally', 't-1', 64) }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});

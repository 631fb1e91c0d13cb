import { after, before, describe, it } from 'node:test';
import { indexProperty } from './helpers/index-model.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

describe('indexes against a model, on one Redis', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: random updates, destroys and queries`, async () => {
      const troupe = await indexProperty(redis.url, seed);
      await troupe.close();
    });
  }
});

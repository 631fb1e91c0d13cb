// A plain ESM script: an in-process worker, a tell, an ask and a read, printed as one JSON line.
import { connect } from 'troupe';
import { Counter } from './actors.mjs';

const troupe = await connect({ redis: process.env.REDIS_URL, namespace: process.env.NS, actors: [Counter] });
const worker = await troupe.work({ concurrency: 4 });
const c = troupe.ref(Counter, 'esm-1');
await c.tell('add', 2);
await c.tell('add', 3);
const value = await c.ask('value');
const context = await c.read();
await worker.stop();
await troupe.close();
console.log(JSON.stringify({ value, context }));

// Must not compile: the compiler checks tell/ask against the handler's parameters.
import { connect } from 'troupe';
import { Counter } from './actors.ts';

const troupe = await connect({ namespace: 'x', actors: [Counter] });
const c = troupe.ref(Counter, 'c-1');
await c.tell('add', 'five'); // must-fail
await c.tell('nope'); // must-fail
const s: string = await c.ask('value'); // must-fail
console.log(s);

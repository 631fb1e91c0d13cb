#!/usr/bin/env node
// Loads TypeScript on the fly so `troupe worker --actors ./actors.ts` works without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

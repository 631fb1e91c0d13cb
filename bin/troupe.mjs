#!/usr/bin/env node
// The CLI run from source, for this repository's tests, demo and chaos runs (tsx compiles on the
// fly). The published package's `troupe` bin is the compiled dist/cli/main.js.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

#!/usr/bin/env node
// The `lagent` binary: the build (dist/, made by `npm run build` and shipped in the package)
// when there is one, else the TypeScript source, which Node 24 runs as it is, so a fresh
// clone needs no build step. Node does not run TypeScript from under node_modules, which is
// why an installed package always uses dist/.
import { existsSync } from 'node:fs';

const built = new URL('../dist/workers/cli/main.js', import.meta.url);
const source = new URL('../workers/cli/main.ts', import.meta.url);

await import((existsSync(built) ? built : source).href);

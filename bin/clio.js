#!/usr/bin/env node
// Runs the compiled CLI; `npm install` builds it (the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  console.error('clio: the compiled CLI is missing; run `npm install` (or `npm run build`) in the project folder first.');
  process.exit(1);
}
await import(compiled.href);

#!/usr/bin/env node
// The published entry point: TypeScript sources run through tsx so `npx sergas` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

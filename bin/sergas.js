#!/usr/bin/env node
// The published entry point: TypeScript sources run through tsx so `npx sergas` needs no build step.
import { register } from 'tsx/esm/api';

// A closed pipe (`sergas approvals list | head`) is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

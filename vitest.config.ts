import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PGlite instances are ~250 MB each; two workers keep a 2-core machine busy without thrashing.
    maxWorkers: 2,
    pool: 'forks',
  },
});

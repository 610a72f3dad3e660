import { defineConfig } from 'vitest/config';

// Tests live in test/ and mirror harness/ and specs/. Files that measure wall-clock timing
// (backoff, timeouts) carry `.timing.test.ts` and run in a separate, serial project so that
// they do not compete for the machine's two cores with each other.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.timing.test.ts', 'test/**/*.slow.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'timing',
          include: ['test/**/*.timing.test.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});

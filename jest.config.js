module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest'],
  },
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  // The default app (and its drill variant) is synthesized once per run for every file that needs it.
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  // Most files synthesize the whole app (CPU-bound, single-threaded): one worker per core halves the wall time.
  maxWorkers: 2,
  // Synth-heavy files take 10-35 s on a loaded 2-core machine.
  testTimeout: 120000,
};

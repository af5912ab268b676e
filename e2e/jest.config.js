// Browser end-to-end tests: the whole system (embedded Postgres, GitHub simulator, gateway, API serving the
// Angular build) started from dist/ by tools/stack, driven with playwright-core and Debian's Chromium.
// `nx run e2e:e2e` builds the three apps first (dependsOn); screenshots and logs go to test-output/e2e/.
module.exports = {
  displayName: 'e2e',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.e2e-spec.ts'],
  testTimeout: 120000,
  // One browser journey at a time: the machine has 2 cores shared with the stack it starts.
  maxWorkers: 1,
};

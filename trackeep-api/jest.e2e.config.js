// End-to-end tests that start the built oauth-gateway (dist/oauth-gateway/main.js) next to the API:
// `npx nx run trackeep-api:e2e` (builds the gateway first).
module.exports = {
  displayName: 'trackeep-api-e2e',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 120000,
};

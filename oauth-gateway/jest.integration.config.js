// Integration tier: *.integration-spec.ts on a real PostgreSQL, some also against the GitHub simulator
// (`npx nx run oauth-gateway:integration`).
module.exports = {
  displayName: 'oauth-gateway-integration',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
};

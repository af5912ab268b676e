// Integration tier: *.integration-spec.ts on a real PostgreSQL (`npx nx run trackeep-api:integration`). One
// throwaway cluster per run, one database per test file cloned from a migrated template.
module.exports = {
  displayName: 'trackeep-api-integration',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
};

// Integration tier: the database-role checks on a real PostgreSQL (`npx nx run deploy-tests:integration`).
module.exports = {
  displayName: 'deploy-tests-integration',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.integration-spec.ts'],
  testTimeout: 60000,
};

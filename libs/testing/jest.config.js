module.exports = {
  displayName: 'testing',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/test-global-setup.ts',
  globalTeardown: '<rootDir>/test-global-teardown.ts',
  testTimeout: 30000,
};

module.exports = {
  displayName: 'oauth-gateway',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
};

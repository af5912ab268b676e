module.exports = {
  displayName: 'embedded-pg',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['**/*.integration-spec.ts'],
  testTimeout: 60000,
};

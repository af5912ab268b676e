// Runs after `nx run-many -t build` (npm run test:e2e): these tests start the built apps.
module.exports = {
  displayName: 'stack',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['**/*.e2e-spec.ts'],
  testTimeout: 180000,
};

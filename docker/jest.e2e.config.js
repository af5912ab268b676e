// The multi-replica proof against the built apps (tools/stack starts them): `npx nx run deploy-tests:e2e`.
module.exports = {
  displayName: 'deploy-tests-e2e',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.e2e-spec.ts'],
  testTimeout: 240000,
};

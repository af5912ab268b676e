// Tests for the deployment files: Dockerfile, compose, Kubernetes manifests (rendered and schema-validated)
// and the helper scripts in docker/scripts.
module.exports = {
  displayName: 'deploy-tests',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  testTimeout: 60000,
};

module.exports = {
  displayName: 'server-core',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testTimeout: 60000,
};

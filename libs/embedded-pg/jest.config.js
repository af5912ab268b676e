module.exports = {
  displayName: 'embedded-pg',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testTimeout: 60000,
};

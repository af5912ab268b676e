module.exports = {
  displayName: 'github-sim',
  preset: '../../jest.preset.js',
  rootDir: '.',
};

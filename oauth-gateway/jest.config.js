// Unit tier: *.spec.ts, no database (`npx nx test oauth-gateway`).
module.exports = {
  displayName: 'oauth-gateway',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
};

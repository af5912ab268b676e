// Unit tier: *.spec.ts, no database (`npx nx test trackeep-api`).
module.exports = {
  displayName: 'trackeep-api',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
};

// The web app runs its unit tests in jsdom through jest-preset-angular (not the Node preset the servers use):
// the Angular compiler plugin handles templates and decorators, and the app is tested zoneless as it runs.
const { createCjsPreset } = require('jest-preset-angular/presets');
const { join } = require('node:path');

module.exports = {
  displayName: 'trackeep-web',
  ...createCjsPreset({ tsconfig: '<rootDir>/tsconfig.spec.json' }),
  rootDir: '.',
  roots: ['<rootDir>/src'],
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  moduleNameMapper: {
    '^@trackeep/contracts$': join(__dirname, '../libs/contracts/src/index.ts'),
  },
  coverageReporters: ['text-summary'],
  // The first test of a file compiles Material components just in time, which takes seconds on a busy machine.
  testTimeout: 20000,
};

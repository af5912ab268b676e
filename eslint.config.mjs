import nx from '@nx/eslint-plugin';

// One flat config for the whole workspace. Module boundaries follow the Nx tags in each project.json:
// scope:shared libs import no framework, apps never import each other, the web app never imports server code.
export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: [
      '**/dist',
      '**/node_modules',
      '**/coverage',
      '**/.angular',
      '**/.nx',
      '**/.trackeep',
      '**/bench-results',
      '**/test-output',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          banTransitiveDependencies: false,
          depConstraints: [
            {
              sourceTag: 'scope:shared',
              onlyDependOnLibsWithTags: ['scope:shared'],
              bannedExternalImports: [
                '@nestjs/*',
                '@angular/*',
                'typeorm',
                'pg',
                'pg-boss',
                'express',
                'rxjs',
              ],
            },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:shared', 'scope:web'] },
            {
              sourceTag: 'scope:server',
              onlyDependOnLibsWithTags: [
                'scope:shared',
                'scope:server',
                'scope:sim',
                'scope:testing',
                'scope:tooling',
              ],
            },
            { sourceTag: 'scope:sim', onlyDependOnLibsWithTags: ['scope:shared', 'scope:sim'] },
            {
              sourceTag: 'scope:testing',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:testing', 'scope:sim', 'scope:tooling'],
            },
            {
              sourceTag: 'scope:tooling',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:tooling', 'scope:sim', 'scope:testing'],
            },
            {
              sourceTag: 'scope:e2e',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:tooling', 'scope:sim', 'scope:testing'],
            },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The simulator, test harness, embedded Postgres and dev-stack libraries are for tests, benchmarks and tools/:
    // production code must never depend on them (the Nx tags alone allow a server lib to reach them).
    files: [
      'trackeep-api/src/**/*.ts',
      'oauth-gateway/src/**/*.ts',
      'trackeep-web/src/**/*.ts',
      'libs/server-core/src/**/*.ts',
      'libs/contracts/src/**/*.ts',
    ],
    ignores: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            '@trackeep/github-sim',
            '@trackeep/testing',
            '@trackeep/embedded-pg',
            '@trackeep/stack',
          ].map((name) => ({ name, message: 'Only tests, benchmarks and tools/ may import this library.' })),
        },
      ],
    },
  },
  {
    // In tests and benchmarks a missing value throws at the assertion, which fails the run as it should.
    files: [
      '**/test/**/*.ts',
      '**/*.spec.ts',
      '**/*.integration-spec.ts',
      '**/*.e2e-spec.ts',
      '**/bench/**/*.ts',
      '**/bench/**/*.mts',
    ],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];

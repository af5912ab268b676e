/** Vocabulary for realistic generated names, messages and titles. */

export const FIRST_NAMES = [
  'Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Guido', 'Radia',
  'Yukihiro', 'Hedy', 'Bjarne', 'Katherine', 'James', 'Anita', 'Tim', 'Sophie', 'Rasmus', 'Joan',
  'Brendan', 'Mary', 'Anders', 'Lynn', 'Rob', 'Evelyn', 'John', 'Carol', 'Brian', 'Susan',
  'Niklaus', 'Jean', 'Alan', 'Edsger', 'Donald', 'Leslie', 'Whitfield', 'Shafi', 'Ivan', 'Xiao',
  'Amara', 'Kenji', 'Priya', 'Mateo', 'Ines', 'Olu', 'Sven', 'Mei', 'Rafael', 'Nadia',
];

export const LAST_NAMES = [
  'Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'van Rossum',
  'Perlman', 'Matsumoto', 'Lamarr', 'Stroustrup', 'Johnson', 'Gosling', 'Borg', 'Berners-Lee', 'Wilson',
  'Lerdorf', 'Clarke', 'Eich', 'Keller', 'Hejlsberg', 'Conway', 'Pike', 'Boyd', 'Backus', 'Shaw',
  'Kernighan', 'Kare', 'Wirth', 'Sammet', 'Turing', 'Dijkstra', 'Knuth', 'Lamport', 'Diffie', 'Goldwasser',
  'Sutherland', 'Chen', 'Okafor', 'Sato', 'Raman', 'Garcia', 'Moreau', 'Adeyemi', 'Lindqvist', 'Wang',
  'Oliveira', 'Haddad',
];

export const ORG_NAMES = [
  { login: 'acme-corp', name: 'ACME Corporation', description: 'Everything you need, shipped on time.' },
  { login: 'octo-labs', name: 'Octo Labs', description: 'Research and tooling from the octo team.' },
  { login: 'northwind', name: 'Northwind Traders', description: 'Open source from Northwind.' },
  { login: 'globex', name: 'Globex', description: 'Infrastructure at planetary scale.' },
  { login: 'initech', name: 'Initech', description: 'TPS reports, now with APIs.' },
  { login: 'umbrella-dev', name: 'Umbrella Dev', description: 'Developer platform team.' },
];

export const TEAM_NAMES = ['Core', 'Platform', 'Frontend', 'Infra', 'Security', 'Docs', 'Mobile', 'Data'];

export const REPO_NAMES = [
  'Hello-World', 'Spoon-Knife', 'api-gateway', 'web-console', 'billing-service', 'design-system',
  'mobile-app', 'data-pipeline', 'infra-terraform', 'docs-site', 'auth-service', 'search-indexer',
  'notification-hub', 'analytics-dashboard', 'cli', 'sdk-js', 'sdk-python', 'release-tools',
  'load-tests', 'feature-flags', 'image-resizer', 'event-bus', 'payments', 'inventory', 'chat-bot',
  'metrics-exporter', 'config-server', 'k8s-manifests', 'style-guide', 'playground',
];

export const LANGUAGES: Array<{ name: string; ext: string; dirs: string[]; companions: string[] }> = [
  { name: 'TypeScript', ext: 'ts', dirs: ['src', 'src/app', 'src/lib', 'test'], companions: ['JavaScript', 'HTML', 'CSS'] },
  { name: 'Go', ext: 'go', dirs: ['cmd', 'internal', 'pkg'], companions: ['Makefile', 'Shell', 'Dockerfile'] },
  { name: 'Python', ext: 'py', dirs: ['src', 'tests', 'scripts'], companions: ['Shell', 'Dockerfile'] },
  { name: 'Rust', ext: 'rs', dirs: ['src', 'benches', 'tests'], companions: ['Shell'] },
  { name: 'Java', ext: 'java', dirs: ['src/main/java', 'src/test/java'], companions: ['Kotlin', 'Shell'] },
  { name: 'Ruby', ext: 'rb', dirs: ['app', 'lib', 'spec'], companions: ['HTML', 'JavaScript'] },
  { name: 'JavaScript', ext: 'js', dirs: ['src', 'lib', 'test'], companions: ['CSS', 'HTML'] },
  { name: 'HCL', ext: 'tf', dirs: ['modules', 'envs'], companions: ['Shell'] },
];

export const FILE_STEMS = [
  'index', 'server', 'client', 'config', 'utils', 'handler', 'router', 'models', 'service', 'store',
  'auth', 'cache', 'queue', 'worker', 'parser', 'api', 'types', 'main', 'app', 'logger',
];

export const COMMIT_VERBS = ['Add', 'Fix', 'Update', 'Refactor', 'Remove', 'Improve', 'Bump', 'Document', 'Test', 'Rename'];
export const COMMIT_SUBJECTS = [
  'pagination for the repo list', 'race in the cache warmer', 'login redirect', 'retry on 502',
  'dependency versions', 'error handling in the worker', 'README examples', 'flaky integration test',
  'config validation', 'metrics endpoint', 'webhook signature check', 'dark mode toggle',
  'database migration', 'rate limit handling', 'CI workflow', 'typo in docs', 'unused imports',
  'logging of slow queries', 'health check', 'Dockerfile layers', 'input validation', 'timezone handling',
  'search index mapping', 'memory leak in the poller', 'accessibility labels',
];

export const PR_TITLES = [
  'Add pagination to the repository list', 'Fix crash when the token expires', 'Use ETags for polling',
  'Refactor the sync worker', 'Bump dependencies', 'Add dark mode', 'Improve error messages',
  'Support GitHub Enterprise Server', 'Add webhook signature verification', 'Speed up the dashboard query',
  'Document the configuration', 'Add retry with backoff', 'Remove deprecated endpoints', 'Add health checks',
  'Migrate to the new API client', 'Fix timezone bug in charts', 'Add CSV export', 'Cache GraphQL responses',
];

export const ISSUE_TITLES = [
  'Dashboard is slow with many repositories', 'Login loops after token revocation', 'Support for GHES 3.12',
  'Chart labels overlap on mobile', 'Add a dark theme', 'Sync stops after a 502', 'Document the webhook setup',
  'Wrong commit count for merged PRs', 'Export data as CSV', 'Rate limit warnings in logs',
  'Crash on empty repository', 'Feature request: team view',
];

export const LABELS: Array<{ name: string; color: string; description: string }> = [
  { name: 'bug', color: 'd73a4a', description: "Something isn't working" },
  { name: 'documentation', color: '0075ca', description: 'Improvements or additions to documentation' },
  { name: 'duplicate', color: 'cfd3d7', description: 'This issue or pull request already exists' },
  { name: 'enhancement', color: 'a2eeef', description: 'New feature or request' },
  { name: 'good first issue', color: '7057ff', description: 'Good for newcomers' },
  { name: 'help wanted', color: '008672', description: 'Extra attention is needed' },
  { name: 'question', color: 'd876e3', description: 'Further information is requested' },
];

export const TOPICS = [
  'api', 'cli', 'devops', 'kubernetes', 'typescript', 'golang', 'python', 'rust', 'automation',
  'monitoring', 'security', 'frontend', 'backend', 'database', 'testing', 'github', 'open-source',
];

export const REVIEW_BODIES = ['LGTM', 'Looks good to me!', 'A few nits, otherwise fine.', 'Please add tests.', ''];

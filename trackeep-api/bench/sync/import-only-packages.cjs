// Preloaded (-r) when the API runs from source in a child process: a few dependencies publish only an
// "import" export, which require() cannot resolve; point require() at their ESM file (Node 20.19+ can
// require ES modules). The webpack build bundles them instead (see trackeep-api/webpack.config.js).
const Module = require('node:module');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..', '..');
const MAPPED = {
  '@octokit/webhooks-methods': join(ROOT, 'node_modules/@octokit/webhooks-methods/dist-node/index.js'),
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return Object.prototype.hasOwnProperty.call(MAPPED, request)
    ? MAPPED[request]
    : resolve.call(this, request, ...rest);
};

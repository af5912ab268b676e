const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');
const { dependencies } = require('../package.json');

// Bundle our code and the workspace libs; load npm packages from node_modules at run time.
module.exports = {
  output: { path: join(__dirname, '../dist/oauth-gateway') },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      // The operator commands ship in the image too: `node cli/gateway-keys.js …`, `node cli/gateway-client.js …`.
      additionalEntryPoints: [
        { entryName: 'migrate', entryPath: './src/database/migrate.ts' },
        { entryName: 'cli/gateway-keys', entryPath: './src/cli/gateway-keys.main.ts' },
        { entryName: 'cli/gateway-client', entryPath: './src/cli/gateway-client.main.ts' },
      ],
      tsConfig: './tsconfig.app.json',
      optimization: false,
      outputHashing: 'none',
      sourceMap: true,
      externalDependencies: Object.keys(dependencies),
    }),
  ],
};

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
      additionalEntryPoints: [{ entryName: 'migrate', entryPath: './src/database/migrate.ts' }],
      tsConfig: './tsconfig.app.json',
      optimization: false,
      outputHashing: 'none',
      sourceMap: true,
      externalDependencies: Object.keys(dependencies),
    }),
  ],
};

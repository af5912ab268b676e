#!/usr/bin/env node
// Measures the JavaScript a first visit downloads (gzip, as transferred) and fails above the budget.
// "Initial" = the scripts index.html loads or preloads, plus every chunk they import statically (followed
// transitively); lazy routes and Chart.js are dynamic imports and are not counted.
//   node trackeep-web/scripts/check-bundle-size.mjs [distBrowserDir] [--budget-kb=150] [--json]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const DEFAULT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/trackeep-web/browser');
const DEFAULT_BUDGET_KB = 150;

/** Static `import ... from "./x.js"` / `import "./x.js"` / `export ... from "./x.js"` specifiers. */
function staticImports(source) {
  const found = new Set();
  const re = /(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["'](\.\/[^"']+\.js)["']/g;
  for (const match of source.matchAll(re)) found.add(match[1].slice(2));
  return found;
}

export function measureInitialJs(dir = DEFAULT_DIR) {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) throw new Error(`${indexPath} not found: build trackeep-web first`);
  const html = readFileSync(indexPath, 'utf8');
  const queue = [];
  for (const m of html.matchAll(/<script[^>]*\ssrc="([^"]+\.js)"/g)) queue.push(m[1]);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g)) queue.push(m[1]);
  const files = new Map();
  while (queue.length) {
    const name = queue.shift();
    if (files.has(name)) continue;
    const source = readFileSync(join(dir, name));
    files.set(name, { raw: source.length, gzip: gzipSync(source, { level: 9 }).length });
    for (const dep of staticImports(source.toString('utf8'))) queue.push(dep);
  }
  let raw = 0;
  let gzip = 0;
  for (const f of files.values()) {
    raw += f.raw;
    gzip += f.gzip;
  }
  return { files: Object.fromEntries(files), rawBytes: raw, gzipBytes: gzip };
}

function main() {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--')) ?? DEFAULT_DIR;
  const budgetArg = args.find((a) => a.startsWith('--budget-kb='));
  const budgetKb = budgetArg ? Number(budgetArg.split('=')[1]) : DEFAULT_BUDGET_KB;
  const result = measureInitialJs(resolve(dir));
  const kb = (n) => (n / 1024).toFixed(1);
  if (args.includes('--json')) {
    console.log(JSON.stringify({ ...result, budgetKb }, null, 2));
  } else {
    for (const [name, f] of Object.entries(result.files))
      console.log(`  ${name.padEnd(28)} ${kb(f.raw).padStart(8)} kB raw ${kb(f.gzip).padStart(7)} kB gzip`);
    console.log(
      `Initial JavaScript: ${kb(result.rawBytes)} kB raw, ${kb(result.gzipBytes)} kB gzip (budget ${budgetKb} kB gzip)`,
    );
  }
  if (result.gzipBytes > budgetKb * 1024) {
    console.error(
      `FAIL: initial JavaScript is ${kb(result.gzipBytes)} kB gzip, over the ${budgetKb} kB budget`,
    );
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();

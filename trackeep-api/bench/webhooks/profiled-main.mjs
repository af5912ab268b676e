// Runs the built API with V8's sampling profiler under the benchmark's control: each SIGUSR2 starts a profile
// or, if one runs, stops it and writes it to PROFILE_DIR/<n>.cpuprofile. The benchmark brackets the windows
// it wants to see (a load round, a drain), so start-up and idle time stay out of the figures.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [apiMain] = process.argv.slice(2);
const dir = process.env.PROFILE_DIR;
if (!apiMain || !dir)
  throw new Error('usage: PROFILE_DIR=dir node profiled-main.mjs dist/trackeep-api/main.js');

const session = new Session();
session.connect();
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );
await post('Profiler.enable');
let running = false;
let written = 0;
process.on('SIGUSR2', () => {
  const next = running
    ? post('Profiler.stop').then(({ profile }) => {
        // The marker tells the benchmark the profile is complete.
        writeFileSync(join(dir, `${written}.cpuprofile`), JSON.stringify(profile));
        writeFileSync(join(dir, `${written++}.done`), '');
      })
    : post('Profiler.start');
  running = !running;
  next.catch((err) => console.error(`profiler: ${err.message}`));
});

await import(pathToFileURL(apiMain).href);

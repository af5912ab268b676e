import { parseArgs } from 'node:util';
import { DEMO_GITHUB_APP } from './lib/demo-github-app.constant';
import { SIM_PRESETS } from './lib/presets.constant';
import { startGithubSim } from './lib/server';
import type { GithubSimOptions, SimPreset, SimSizes } from './lib/sim.types';
import { githubSchema } from './lib/graphql/github-schema';
import { measurePreset } from './lib/measure';

const HELP = `GitHub simulator (offline GitHub for Trackeep)

Usage: npm run github-sim -- [options]

  --port N              port to listen on (default 3200; 0 = random)
  --host H              interface (default 127.0.0.1)
  --preset P            ${Object.keys(SIM_PRESETS).join(' | ')} (default demo)
  --seed N              generator seed (default 42)
  --size key=value      override one size, repeatable (e.g. --size reposPerOwner=5)
  --now ISO             anchor of generated timestamps (default: this hour)
  --demo                demo mode: control API on (same as --control)
  --control             enable /_sim/* (on by default with --demo, --preset demo or NODE_ENV=test)
  --no-control          disable /_sim/*
  --live                something happens every few seconds (push, PR, star, issue)
  --live-interval MS    live mode interval (default 5000)
  --auto-approve LOGIN  /login/oauth/authorize approves LOGIN without a page
  --client-id ID        register an extra OAuth app (with --client-secret, optional --callback-url)
  --client-secret S
  --callback-url URL
  --app-webhook-url URL webhook URL of the demo GitHub App (also settable with PATCH /app/hook/config)
  --app-setup-url URL   where the demo App's install page sends the browser (?installation_id=…&setup_action=install)
  --rate-limit-rest N   REST requests per hour (default 5000)
  --rate-limit-graphql N  GraphQL points per hour (default 5000)
  --world-file PATH     keep the world in this file: loaded when it exists, saved after changes and on exit
                        (tokens, hooks and users stay valid across restarts; default: memory only)
  --log                 one line per request on stderr
  --measure             generate the preset, walk every repo, print sizes and memory, exit
  --help
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      preset: { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string', multiple: true },
      now: { type: 'string' },
      demo: { type: 'boolean' },
      control: { type: 'boolean' },
      'no-control': { type: 'boolean' },
      live: { type: 'boolean' },
      'live-interval': { type: 'string' },
      'auto-approve': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'callback-url': { type: 'string' },
      'app-webhook-url': { type: 'string' },
      'app-setup-url': { type: 'string' },
      'rate-limit-rest': { type: 'string' },
      'rate-limit-graphql': { type: 'string' },
      log: { type: 'boolean' },
      'world-file': { type: 'string' },
      measure: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const int = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
    return n;
  };
  const preset = (values.preset ?? 'demo') as SimPreset;
  if (!(preset in SIM_PRESETS))
    throw new Error(`--preset must be one of ${Object.keys(SIM_PRESETS).join(', ')}`);
  const sizes: Partial<SimSizes> = {};
  for (const kv of values.size ?? []) {
    const [k = '', v] = kv.split('=');
    if (!(k in SIM_PRESETS.demo))
      throw new Error(`--size: unknown key "${k}" (known: ${Object.keys(SIM_PRESETS.demo).join(', ')})`);
    sizes[k as keyof SimSizes] = int(v, `size ${k}`);
  }
  const seed = int(values.seed, 'seed');
  if (values.measure) {
    console.log(JSON.stringify(await measurePreset(preset, { seed, sizes }), null, 2));
    return;
  }
  if ((values['client-id'] === undefined) !== (values['client-secret'] === undefined))
    throw new Error('--client-id and --client-secret go together');
  const control = values['no-control']
    ? false
    : !!(values.control || values.demo || preset === 'demo' || process.env['NODE_ENV'] === 'test');
  const opts: GithubSimOptions = {
    port: int(values.port, 'port') ?? 3200,
    host: values.host,
    preset,
    sizes,
    seed,
    now: values.now,
    controlApi: control,
    autoApproveLogin: values['auto-approve'],
    live: values.live ? { intervalMs: int(values['live-interval'], 'live-interval') ?? 5000 } : false,
    rateLimit: {
      rest: int(values['rate-limit-rest'], 'rate-limit-rest'),
      graphql: int(values['rate-limit-graphql'], 'rate-limit-graphql'),
    },
    oauthApps: values['client-id']
      ? [
          {
            clientId: values['client-id'],
            clientSecret: values['client-secret'] as string,
            callbackUrl: values['callback-url'],
          },
        ]
      : [],
    log: values.log,
    worldFile: values['world-file'],
    githubAppWebhookUrl: values['app-webhook-url'],
    githubAppSetupUrl: values['app-setup-url'],
  };
  githubSchema(); // load GitHub's GraphQL schema now rather than on the first query (~0.5 s)
  const sim = await startGithubSim(opts);
  const s = sim.stats();
  console.log(`GitHub simulator listening on ${sim.url}`);
  console.log(`  REST     ${sim.apiUrl}  (GHES style: ${sim.url}/api/v3)`);
  console.log(`  GraphQL  ${sim.graphqlUrl}`);
  console.log(`  OAuth    ${sim.url}/login/oauth/authorize  (demo app client_id Iv1.trackeepdemo000)`);
  const demoInstall = [...sim.world.installations.values()].find((i) => i.appId === DEMO_GITHUB_APP.id);
  console.log(
    `  App      ${DEMO_GITHUB_APP.slug} (id ${DEMO_GITHUB_APP.id})${demoInstall ? `, installed on ${DEMO_GITHUB_APP.demoOrganization} (installation ${demoInstall.id})` : ''}`,
  );
  console.log(
    `  control  ${control ? `${sim.url}/_sim/stats` : 'disabled'}${values.live ? '   live mode on' : ''}`,
  );
  console.log(
    `  world    preset ${preset}: ${s.world.users} users, ${s.world.orgs} orgs, ${s.world.repos} repos, ${s.world.commits} commits; rss ${s.memory.rssMb} MB`,
  );
  if (opts.worldFile) console.log(`  kept in  ${opts.worldFile}`);
  const shutdown = () => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  console.error(`github-sim: ${(e as Error).message}`);
  process.exit(1);
});

import { parseEnv } from '@trackeep/server-core';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiEnv } from '../config/api-env';
import { GithubSettings } from '../github/github-settings';
import { GithubAppSettings } from './github-app-settings';

const pem = generateKeyPairSync('rsa', {
  modulusLength: 1024,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
}).privateKey;

const base = { NODE_ENV: 'test', DATABASE_URL: 'postgres://localhost/x' };
const app = {
  GITHUB_APP_ID: '1234',
  GITHUB_APP_PRIVATE_KEY: pem,
  GITHUB_APP_WEBHOOK_SECRET: 'a-webhook-secret-of-length',
  GITHUB_APP_SLUG: 'trackeep-acme',
};

function settings(env: Record<string, string>): GithubAppSettings {
  const parsed = parseEnv(ApiEnv, { ...base, ...env });
  return new GithubAppSettings(parsed, new GithubSettings(parsed));
}

describe(GithubAppSettings.name, () => {
  it('is off without App settings', () => {
    expect(settings({})).toMatchObject({ app: null, installUrl: null });
  });

  it("links to github.com's install page, or GHES's /github-apps page", () => {
    expect(settings(app).installUrl).toBe('https://github.com/apps/trackeep-acme/installations/new');
    expect(
      settings({
        ...app,
        GITHUB_WEB_URL: 'https://ghe.example.com',
        GITHUB_API_URL: 'https://ghe.example.com/api/v3',
      }).installUrl,
    ).toBe('https://ghe.example.com/github-apps/trackeep-acme/installations/new');
  });

  it('reads the key from a file, and accepts a one-line key with \\n escapes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trackeep-app-key-'));
    try {
      writeFileSync(join(dir, 'key.pem'), pem);
      const { GITHUB_APP_PRIVATE_KEY: _key, ...withoutKey } = app;
      expect(
        settings({ ...withoutKey, GITHUB_APP_PRIVATE_KEY_FILE: join(dir, 'key.pem') }).app?.privateKey,
      ).toBe(pem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(
      settings({ ...app, GITHUB_APP_PRIVATE_KEY: pem.trim().replace(/\n/g, '\\n') }).app?.privateKey,
    ).toBe(pem);
  });

  it.each([['GITHUB_APP_SLUG'], ['GITHUB_APP_WEBHOOK_SECRET'], ['GITHUB_APP_ID']])(
    'refuses App settings without %s, naming it',
    (missing) => {
      const partial: Record<string, string> = { ...app };
      delete partial[missing];
      expect(() => parseEnv(ApiEnv, { ...base, ...partial })).toThrow(missing);
    },
  );

  it('refuses App settings without any private key, and a key that is not PEM', () => {
    const { GITHUB_APP_PRIVATE_KEY: _key, ...withoutKey } = app;
    expect(() => parseEnv(ApiEnv, { ...base, ...withoutKey })).toThrow(/GITHUB_APP_PRIVATE_KEY_FILE/);
    expect(() => parseEnv(ApiEnv, { ...base, ...app, GITHUB_APP_PRIVATE_KEY: 'not a key' })).toThrow(
      /GITHUB_APP_PRIVATE_KEY/,
    );
  });
});

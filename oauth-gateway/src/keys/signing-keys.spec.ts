import { EnvValidationError } from '@trackeep/server-core';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayEnv } from '../config/gateway-env';
import {
  generateSigningJwk,
  parseSigningKeysFile,
  readOrCreateDevSigningKeys,
  writeSigningKeysFile,
} from './signing-keys-file.util';
import { SigningKeys } from './signing-keys.service';

describe('signing keys', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const env = (overrides: Partial<GatewayEnv>) => ({ GATEWAY_DEV_MODE: false, ...overrides }) as GatewayEnv;

  it('signs with signing_kid and publishes every key, public parts only', async () => {
    const a = await generateSigningJwk('ES256', 'a');
    const b = await generateSigningJwk('EdDSA', 'b');
    const file = join(dir, 'keys.json');
    writeSigningKeysFile(file, { signing_kid: 'b', keys: [a, b] });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const keys = await SigningKeys.fromEnv(env({ GATEWAY_SIGNING_KEYS_FILE: file }));
    expect(keys.publicJwks().keys.map((k) => [k.kid, k.alg, k.d])).toEqual([
      ['a', 'ES256', undefined],
      ['b', 'EdDSA', undefined],
    ]);
    expect(keys.algorithms()).toEqual(['ES256', 'EdDSA']);
    const token = await keys.sign({ sub: 'x' }, 60);
    const { protectedHeader } = await jwtVerify(token, createLocalJWKSet(keys.publicJwks()));
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: 'b' });
  });

  it('signs with the first key when signing_kid is absent', async () => {
    const a = await generateSigningJwk('ES256', 'first');
    expect(parseSigningKeysFile(JSON.stringify({ keys: [a] })).signing_kid).toBe('first');
  });

  it.each([
    ['no keys', { keys: [] }, /at least one key/],
    [
      'a public key only',
      { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k', alg: 'ES256' }] },
      /not a private key/,
    ],
    [
      'an HMAC key',
      { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'k', alg: 'HS256' }] },
      /"alg" must be one of ES256, EdDSA/,
    ],
    ['alg none', { keys: [{ kty: 'EC', kid: 'k', alg: 'none', d: 'x' }] }, /"alg" must be one of/],
    [
      'a curve that does not match alg',
      { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd', kid: 'k', alg: 'ES256' }] },
      /do not match alg ES256/,
    ],
    ['duplicate kids', 'DUP', /appears twice/],
    ['an unknown signing_kid', 'UNKNOWN', /signing_kid "nope" is not one of the keys/],
  ])('refuses a file with %s', async (_label, content, problem) => {
    const k = await generateSigningJwk('ES256', 'k');
    const file =
      content === 'DUP'
        ? { keys: [k, k] }
        : content === 'UNKNOWN'
          ? { signing_kid: 'nope', keys: [k] }
          : content;
    expect(() => parseSigningKeysFile(JSON.stringify(file))).toThrow(problem);
  });

  it('outside dev mode, names the variable when the file is missing', async () => {
    await expect(
      SigningKeys.fromEnv(env({ GATEWAY_SIGNING_KEYS_FILE: join(dir, 'missing.json') })),
    ).rejects.toThrow(EnvValidationError);
    await expect(
      SigningKeys.fromEnv(env({ GATEWAY_SIGNING_KEYS_FILE: join(dir, 'missing.json') })),
    ).rejects.toMatchObject({
      problems: [
        expect.stringMatching(/^GATEWAY_SIGNING_KEYS_FILE: cannot use ".*missing.json": file not found$/),
      ],
    });
  });

  it('in dev mode, generates a key once, persists it privately and reuses it', async () => {
    const file = join(dir, 'nested', 'keys.json');
    const first = await SigningKeys.fromEnv(env({ GATEWAY_DEV_MODE: true, GATEWAY_SIGNING_KEYS_FILE: file }));
    expect(first.generatedAt).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await SigningKeys.fromEnv(
      env({ GATEWAY_DEV_MODE: true, GATEWAY_SIGNING_KEYS_FILE: file }),
    );
    expect(second.generatedAt).toBeNull();
    expect(second.signingKid).toBe(first.signingKid);
  });

  it('in dev mode, two replicas starting together end up with the same key', async () => {
    const file = join(dir, 'race.json');
    const results = await Promise.all([
      readOrCreateDevSigningKeys(file),
      readOrCreateDevSigningKeys(file),
      readOrCreateDevSigningKeys(file),
    ]);
    const onDisk = JSON.parse(readFileSync(file, 'utf8')).signing_kid;
    expect(results.map((r) => r.file.signing_kid)).toEqual([onDisk, onDisk, onDisk]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('in dev mode, still refuses a file that exists but is broken', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{');
    await expect(
      SigningKeys.fromEnv(env({ GATEWAY_DEV_MODE: true, GATEWAY_SIGNING_KEYS_FILE: file })),
    ).rejects.toThrow(EnvValidationError);
  });
});

import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayEnv } from '../src/config/gateway-env';

// The gateway README's configuration table and the root .env.example must name every variable the gateway reads.
const root = join(__dirname, '..', '..');
const variables = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(GatewayEnv, '', true, false)
      .map((m) => m.propertyName),
  ),
];

describe('gateway configuration documentation', () => {
  it('finds the variables to check', () => {
    expect(variables).toEqual(expect.arrayContaining(['DATABASE_URL', 'SERVICE_DOMAIN', 'GATEWAY_CLIENTS']));
  });

  it.each([['oauth-gateway/README.md'], ['.env.example']])('%s names every gateway variable', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const missing = variables.filter((name) => !new RegExp(`\\b${name}\\b`).test(text));
    expect(missing).toEqual([]);
  });
});

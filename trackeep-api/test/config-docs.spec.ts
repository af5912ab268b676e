import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiEnv } from '../src/config/api-env';

// The README's configuration table and .env.example must name every variable the API reads.
const root = join(__dirname, '..', '..');
const variables = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(ApiEnv, '', true, false)
      .map((m) => m.propertyName),
  ),
];

describe('API configuration documentation', () => {
  it('finds the variables to check', () => {
    expect(variables).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'JWT_SECRET', 'SYNC_CRON', 'WEBHOOK_SECRET']),
    );
  });

  it.each([['README.md'], ['.env.example']])('%s names every API variable', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const missing = variables.filter((name) => !new RegExp(`\\b${name}\\b`).test(text));
    expect(missing).toEqual([]);
  });
});

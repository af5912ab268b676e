import { scrubUrl } from './redaction';

describe(scrubUrl.name, () => {
  it('hides OAuth codes, state and tokens in a query string but keeps the rest', () => {
    expect(scrubUrl('/api/v1/auth/oauth/callback?code=abc123&state=xyz&iss=http%3A%2F%2Fgw')).toBe(
      '/api/v1/auth/oauth/callback?code=[Redacted]&state=[Redacted]&iss=http%3A%2F%2Fgw',
    );
    expect(scrubUrl('/x?access_token=gho_secret&page=2')).toBe('/x?access_token=[Redacted]&page=2');
  });

  it('leaves paths without a query alone', () => {
    expect(scrubUrl('/api/v1/repos')).toBe('/api/v1/repos');
  });
});

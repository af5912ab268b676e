// What must never reach a log line: credentials in headers, and token/code/secret fields anywhere in a
// logged object. Used by pino's `redact` and by the URL scrubber below.

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.secret',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.client_secret',
  '*.code',
  '*.code_verifier',
  '*.github_access_token',
  '*.github_refresh_token',
  '*.githubToken',
  '*.refreshToken',
  '*.accessToken',
  '*.clientSecret',
];

const SENSITIVE_QUERY_KEYS =
  /^(code|state|token|access_token|refresh_token|id_token|client_secret|code_verifier|nonce)$/i;

/** Replaces the values of sensitive query parameters in a request path with [Redacted]. */
export function scrubUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const [key] = pair.split('=');
      return key !== undefined && SENSITIVE_QUERY_KEYS.test(decodeURIComponent(key))
        ? `${key}=[Redacted]`
        : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

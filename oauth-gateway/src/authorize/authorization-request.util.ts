import type { RegisteredClient } from '../clients/client-config.util';

// Validation of GET /auth/github, in the order RFC 6749 §4.1.2.1 requires: while the client or the
// redirect_uri is in doubt the user gets an error page and is sent NOWHERE; only once the redirect_uri is
// known to be registered may other errors travel back to it.

export const SUPPORTED_SCOPES = ['openid', 'profile', 'email'] as const;
export const DEFAULT_SCOPE = 'openid profile email';
const MAX_STATE = 512;
const MAX_NONCE = 512;
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export interface AuthorizationRequest {
  client: RegisteredClient;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  nonce: string | null;
  scope: string;
}

export type AuthorizationCheck =
  | { kind: 'ok'; request: AuthorizationRequest }
  /** Shown to the user; never redirected. */
  | { kind: 'page'; status: number; message: string }
  /** RFC 6749 §4.1.2.1 error response to the (validated) redirect_uri. */
  | { kind: 'redirect'; redirectUri: string; error: string; description: string; state: string | null };

type Query = Record<string, unknown>;

/** A single string parameter, 'duplicate' when sent more than once (RFC 6749 §3.1), null when absent/empty. */
function single(query: Query, name: string): string | null | 'duplicate' {
  const value = query[name];
  if (value === undefined) return null;
  if (typeof value !== 'string') return 'duplicate';
  return value === '' ? null : value;
}

export function checkAuthorizationRequest(
  query: Query,
  findClient: (id: string) => RegisteredClient | undefined,
): AuthorizationCheck {
  const clientId = single(query, 'client_id');
  if (clientId === null) return { kind: 'page', status: 400, message: 'The request has no client_id.' };
  if (clientId === 'duplicate')
    return { kind: 'page', status: 400, message: 'The client_id parameter appears more than once.' };
  const client = findClient(clientId);
  if (!client)
    return {
      kind: 'page',
      status: 400,
      message: 'This application is not registered with the sign-in gateway.',
    };

  const redirectUri = single(query, 'redirect_uri');
  if (redirectUri === null) return { kind: 'page', status: 400, message: 'The request has no redirect_uri.' };
  if (redirectUri === 'duplicate')
    return { kind: 'page', status: 400, message: 'The redirect_uri parameter appears more than once.' };
  // Exact string comparison, nothing else: no normalisation, no prefix, no pattern.
  if (!client.redirect_uris.includes(redirectUri)) {
    return { kind: 'page', status: 400, message: 'The redirect_uri is not registered for this application.' };
  }

  const rawState = single(query, 'state');
  const state = rawState === 'duplicate' ? null : rawState;
  const fail = (error: string, description: string): AuthorizationCheck => ({
    kind: 'redirect',
    redirectUri,
    error,
    description,
    state,
  });

  for (const name of [
    'response_type',
    'state',
    'code_challenge',
    'code_challenge_method',
    'nonce',
    'scope',
  ]) {
    if (single(query, name) === 'duplicate') return fail('invalid_request', `${name} appears more than once`);
  }
  const responseType = single(query, 'response_type');
  if (responseType === null) return fail('invalid_request', 'response_type is required');
  if (responseType !== 'code')
    return fail('unsupported_response_type', 'only response_type=code is supported');

  if (state === null) return fail('invalid_request', 'state is required');
  if (state.length > MAX_STATE || !VISIBLE_ASCII.test(state))
    return fail('invalid_request', `state must be 1-${MAX_STATE} visible ASCII characters`);

  const challenge = single(query, 'code_challenge') as string | null;
  const method = single(query, 'code_challenge_method') as string | null;
  if (challenge === null)
    return fail('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256');
  if (method === null) return fail('invalid_request', 'code_challenge_method is required and must be S256');
  if (method !== 'S256')
    return fail('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
  if (!S256_CHALLENGE.test(challenge))
    return fail('invalid_request', 'code_challenge must be 43 base64url characters (S256 of the verifier)');

  const nonce = single(query, 'nonce') as string | null;
  if (nonce !== null && (nonce.length > MAX_NONCE || !VISIBLE_ASCII.test(nonce))) {
    return fail('invalid_request', `nonce must be 1-${MAX_NONCE} visible ASCII characters`);
  }

  const rawScope = single(query, 'scope') as string | null;
  let scope = DEFAULT_SCOPE;
  if (rawScope !== null) {
    const requested = [...new Set(rawScope.split(' ').filter(Boolean))];
    const unknown = requested.filter((s) => !(SUPPORTED_SCOPES as readonly string[]).includes(s));
    if (unknown.length || requested.length === 0)
      return fail('invalid_scope', `supported scopes are: ${SUPPORTED_SCOPES.join(' ')}`);
    scope = requested.join(' ');
  }

  return { kind: 'ok', request: { client, redirectUri, state, codeChallenge: challenge, nonce, scope } };
}

/** The registered redirect_uri with the response parameters appended (keeping any registered query). */
export function redirectWith(redirectUri: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params))
    if (value !== null && value !== undefined) url.searchParams.append(key, value);
  return url.href;
}

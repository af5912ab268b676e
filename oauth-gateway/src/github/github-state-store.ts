import type { Metadata } from 'passport-oauth2';

/**
 * passport-oauth2's PKCE state store: `store` keeps the verifier it generated and answers the state to send
 * to GitHub; `verify` checks the state GitHub sent back and answers that verifier, or false to refuse.
 * passport-oauth2 picks these forms by the functions' arity (five and four arguments), so implementations
 * declare every argument and give none a default.
 */
export abstract class GithubStateStore {
  abstract store(
    req: object,
    verifier: string,
    start: object,
    meta: Metadata,
    done: (err: unknown, state?: string) => void,
  ): void;

  abstract verify(
    req: object,
    state: unknown,
    meta: Metadata,
    done: (err: unknown, verifier?: string | false) => void,
  ): void;
}

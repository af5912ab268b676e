import { Injectable } from '@nestjs/common';
import type { Metadata } from 'passport-oauth2';
import type { RegisteredClient } from '../clients/client-config.util';
import { ClientRegistry } from '../clients/client-registry.service';
import { constantTimeEqual, openWithCode, randomToken, sealWithCode, sha256Hex } from '../common/crypto.util';
import { GithubStateStore } from '../github/github-state-store';
import type { GithubCallbackRequest } from '../github/github.strategy';
import {
  PendingAuthorizationRepository,
  type NewPendingAuthorization,
  type PendingAuthorization,
} from './pending-authorization.repository';

/** A sign-in about to leave for GitHub: what to remember, and the secret its browser's cookie will carry. */
export interface SignInStart {
  browserBinding: string;
  pending: Omit<NewPendingAuthorization, 'state_hash' | 'browser_binding_hash' | 'pkce_verifier_sealed'>;
}

/** The state GitHub sent back, checked: refused (and why), void because its client is gone, or good. */
export type StateCheck =
  | { status: 'refused'; reason: string }
  | { status: 'unregistered' }
  | { status: 'ok'; pending: PendingAuthorization; client: RegisteredClient; verifier: string };

/** GitHub's redirect back, with the browser's sign-in cookie; the store records its check here. */
export interface PendingCallbackRequest extends GithubCallbackRequest {
  browserBinding: string | undefined;
  check?: StateCheck;
}

const refused = (reason: string): StateCheck => ({ status: 'refused', reason });

/**
 * passport-oauth2's state store over the pending sign-ins in Postgres, so a sign-in can end on another
 * replica. The state and the browser cookie are stored only as hashes; the PKCE verifier is sealed with the
 * cookie, which the database never holds.
 */
@Injectable()
export class PendingAuthorizationStateStore extends GithubStateStore {
  constructor(
    private readonly pending: PendingAuthorizationRepository,
    private readonly clients: ClientRegistry,
  ) {
    super();
  }

  store(
    _req: object,
    verifier: string,
    start: SignInStart,
    _meta: Metadata,
    done: (err: unknown, state?: string) => void,
  ): void {
    const state = randomToken();
    this.pending
      .create({
        ...start.pending,
        state_hash: sha256Hex(state),
        browser_binding_hash: sha256Hex(start.browserBinding),
        pkce_verifier_sealed: sealWithCode(verifier, start.browserBinding),
      })
      .then(
        () => done(null, state),
        (err: unknown) => done(err),
      );
  }

  verify(
    req: PendingCallbackRequest,
    state: unknown,
    _meta: Metadata,
    done: (err: unknown, verifier?: string | false) => void,
  ): void {
    this.check(state, req.browserBinding).then(
      (check) => {
        req.check = check;
        done(null, check.status === 'ok' ? check.verifier : false);
      },
      (err: unknown) => done(err),
    );
  }

  /**
   * The state must be present, known, bound to this browser's cookie, unused and unexpired; it is used up
   * here, so two callbacks with one state cannot both go on.
   */
  async check(state: unknown, cookie: string | undefined): Promise<StateCheck> {
    if (typeof state !== 'string' || !state) return refused('no state');
    if (!cookie) return refused('no state cookie');
    const found = await this.pending.find(sha256Hex(state));
    if (!found) return refused('unknown state');
    if (!constantTimeEqual(found.browser_binding_hash, sha256Hex(cookie)))
      return refused('state cookie mismatch');
    if (found.consumed_at) return refused('state already used');
    if (found.expired) return refused('state expired');
    const pending = await this.pending.consume(found.state_hash);
    if (!pending) return refused('state already used');
    const client = this.clients.get(pending.client_id);
    if (!client || !client.redirect_uris.includes(pending.redirect_uri)) return { status: 'unregistered' };
    // A sign-in started before verifiers were stored can only be started again.
    if (!pending.pkce_verifier_sealed) return refused('state expired');
    return { status: 'ok', pending, client, verifier: openWithCode(pending.pkce_verifier_sealed, cookie) };
  }
}

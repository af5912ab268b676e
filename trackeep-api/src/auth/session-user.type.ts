/** The signed-in user as the SessionGuard attaches it to the request (`req.user`). */
export interface SessionUser {
  id: string;
  login: string;
  githubHost: string;
  githubId: number;
}

/** What the SessionGuard puts on the Express request. */
export interface AuthenticatedRequestFields {
  user?: SessionUser;
  sessionId?: string;
}

/** A person's GitHub profile as the gateway's verified id_token gives it, keyed by host + numeric id. */
export interface UserProfile {
  githubHost: string;
  githubId: number;
  login: string;
  name: string | null;
  email: string | null;
  avatarUrl: string | null;
}

/** A person who signed in, identified by GitHub host + numeric id (never login or email, which change). */
export interface User extends UserProfile {
  id: string;
  scopes: string[];
}

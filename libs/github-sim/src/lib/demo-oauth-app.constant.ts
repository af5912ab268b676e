/** OAuth app every simulator registers, so the zero-config demo can sign in without any setup. */
export const DEMO_OAUTH_APP = {
  clientId: 'Iv1.trackeepdemo000',
  clientSecret: 'trackeep-demo-secret',
  name: 'Trackeep (demo)',
} as const;

import {
  createRemoteJWKSet,
  customFetch,
  errors,
  exportSPKI,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
  decodeJwt,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { generateSigningJwk, publicJwk, type PrivateSigningJwk } from '../src/keys/signing-keys-file.util';
import { SigningKeys } from '../src/keys/signing-keys.service';
import { mintCode, tokenRequest } from './support/codes';
import {
  clientOf,
  createTestGateway,
  signingKeyOf,
  type TestClient,
  type TestGateway,
} from './support/test-gateway';

// What an instance does with an id_token (and what the README tells instance authors to do): a remote JWKS
// with jose's bounded refetch, pinned algorithms, issuer and audience. Every forgery below must fail there.

describe('id_token verification as instances do it (jose + the gateway JWKS)', () => {
  let t: TestGateway;
  let a: TestClient;
  let genuine: string;
  let claims: JWTPayload;
  let jwksFetches = 0;
  let jwks: JWTVerifyGetKey;

  const countingFetch = (url: string, options: RequestInit) => {
    jwksFetches++;
    return fetch(url, options);
  };

  function verifier(cooldownDuration = 30_000): JWTVerifyGetKey {
    return createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`), {
      cooldownDuration,
      [customFetch]: countingFetch,
    });
  }
  const verify = (
    token: string,
    key: JWTVerifyGetKey = jwks,
    overrides: { issuer?: string; audience?: string } = {},
  ) =>
    jwtVerify(token, key, {
      issuer: overrides.issuer ?? t.url,
      audience: overrides.audience ?? 'instance-a',
      algorithms: ['ES256', 'EdDSA'],
    });

  async function idTokenFor(client: TestClient): Promise<string> {
    const minted = await mintCode(t, client, { nonce: 'n1' });
    const res = await tokenRequest(t, { client, code: minted.code, verifier: minted.verifier });
    return ((await res.json()) as { id_token: string }).id_token;
  }

  async function signWith(
    jwk: PrivateSigningJwk,
    payload: JWTPayload,
    header: Record<string, unknown> = {},
  ): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT', ...header })
      .sign(await importJWK(jwk, jwk.alg));
  }

  beforeAll(async () => {
    t = await createTestGateway();
    a = clientOf(t, 'instance-a');
    genuine = await idTokenFor(a);
    claims = decodeJwt(genuine);
    jwks = verifier();
  });
  afterAll(() => t.close());

  it('accepts the genuine id_token (the control)', async () => {
    const { payload, protectedHeader } = await verify(genuine);
    expect(payload.sub).toBe(claims.sub);
    expect(protectedHeader.kid).toBe('test-key-1');
  });

  it('rejects alg "none"', async () => {
    const unsigned = new UnsecuredJWT(claims).encode();
    await expect(verify(unsigned)).rejects.toThrow();
    const [, body] = genuine.split('.');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', kid: 'test-key-1' })).toString('base64url');
    await expect(verify(`${noneHeader}.${body}.`)).rejects.toBeInstanceOf(errors.JOSEAlgNotAllowed);
  });

  it('rejects HS256 tokens signed with the public key (JWK JSON or PEM) as the HMAC secret', async () => {
    const pub = publicJwk(signingKeyOf(t));
    const pem = await exportSPKI((await importJWK(pub, 'ES256', { extractable: true })) as CryptoKey);
    for (const secret of [JSON.stringify(pub), pem, pub.x as string]) {
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: 'test-key-1' })
        .sign(new TextEncoder().encode(secret));
      await expect(verify(forged)).rejects.toBeInstanceOf(errors.JOSEAlgNotAllowed);
    }
  });

  it('rejects a token for another audience (an id_token of instance B replayed at instance A)', async () => {
    await expect(verify(genuine, jwks, { audience: 'instance-b' })).rejects.toBeInstanceOf(
      errors.JWTClaimValidationFailed,
    );
    const forB = await idTokenFor(clientOf(t, 'instance-b'));
    await expect(verify(forB)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'aud',
    });
  });

  it('rejects a token from another issuer, even signed with the gateway key', async () => {
    await expect(verify(genuine, jwks, { issuer: 'https://gateway.example' })).rejects.toMatchObject({
      claim: 'iss',
    });
    const wrongIss = await signWith(signingKeyOf(t), {
      ...claims,
      iss: 'https://evil.example',
    });
    await expect(verify(wrongIss)).rejects.toMatchObject({ claim: 'iss' });
  });

  it('rejects an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await signWith(signingKeyOf(t), {
      ...claims,
      iat: now - 600,
      exp: now - 300,
    });
    await expect(verify(expired)).rejects.toBeInstanceOf(errors.JWTExpired);
  });

  it('rejects a tampered payload or header', async () => {
    const [header, body, signature] = genuine.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as JWTPayload;
    const evilBody = Buffer.from(
      JSON.stringify({ ...payload, sub: 'github.com|1', login: 'admin' }),
    ).toString('base64url');
    await expect(verify(`${header}.${evilBody}.${signature}`)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
    const evilHeader = Buffer.from(
      JSON.stringify({ alg: 'ES256', kid: 'test-key-1', typ: 'JWT', jku: 'https://evil.example/jwks' }),
    ).toString('base64url');
    await expect(verify(`${evilHeader}.${body}.${signature}`)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(verify(`${header}.${body}.${flipped}`)).rejects.toThrow();
  });

  it('rejects a token signed by an attacker key, with the gateway kid or a kid of its own', async () => {
    const attacker = await generateSigningJwk('ES256', 'test-key-1');
    await expect(verify(await signWith(attacker, claims))).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
    const { privateKey } = await generateKeyPair('ES256');
    const ownKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'attacker-1' })
      .sign(privateKey);
    await expect(verify(ownKid)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('refetches the JWKS for unknown kids at most once per cooldown (bounded)', async () => {
    const key = verifier(30_000);
    const before = jwksFetches;
    await verify(genuine, key);
    const { privateKey } = await generateKeyPair('ES256');
    for (let i = 0; i < 10; i++) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: `unknown-${i}` })
        .sign(privateKey);
      await expect(verify(token, key)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    }
    expect(jwksFetches - before).toBe(1);
  });

  it('accepts a rotated key once it is published, and keeps accepting tokens of the old key', async () => {
    const keys = t.app.get(SigningKeys);
    const oldKey = signingKeyOf(t);
    const newKey = await generateSigningJwk('ES256', 'test-key-2');
    const key = verifier(200);
    await verify(genuine, key); // the instance has cached the JWKS holding only the old key

    // A key that is not published yet is refused: this is why signing must wait for publication.
    await expect(verify(await signWith(newKey, claims), key)).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );

    // Step 1: publish the new key while still signing with the old one.
    await keys.use({ signing_kid: oldKey.kid, keys: [oldKey, newKey] });
    const published = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as {
      keys: Array<{ kid: string; d?: string }>;
    };
    expect(published.keys.map((k) => k.kid)).toEqual(['test-key-1', 'test-key-2']);
    expect(published.keys.every((k) => k.d === undefined)).toBe(true);
    expect((await verify(await idTokenFor(a), key)).protectedHeader.kid).toBe('test-key-1');

    // Step 2: sign with the new key. The verifier meets an unknown kid, refetches (cooldown passed), accepts.
    await keys.use({ signing_kid: newKey.kid, keys: [oldKey, newKey] });
    await new Promise((r) => setTimeout(r, 250));
    const rotated = await idTokenFor(a);
    const result = await verify(rotated, key);
    expect(result.protectedHeader.kid).toBe('test-key-2');
    await expect(verify(genuine, key)).resolves.toBeDefined();

    // Step 3 (after the longest token lifetime): retire the old key; its tokens stop verifying.
    await keys.use({ signing_kid: newKey.kid, keys: [newKey] });
    await new Promise((r) => setTimeout(r, 250));
    const retired = await signWith(oldKey, { ...claims, iat: Math.floor(Date.now() / 1000) });
    await expect(verify(retired, verifier(200))).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });
});

import {
  constantTimeEqual,
  openWithCode,
  pkceChallenge,
  randomToken,
  sealWithCode,
  sha256Hex,
} from './crypto.util';

describe('crypto utilities', () => {
  it('computes the RFC 7636 appendix B S256 challenge', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes 256-bit URL-safe random tokens', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(token);
  });

  it('compares strings exactly', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });

  it('seals a value that only the code opens, and detects tampering', () => {
    const code = randomToken();
    const sealed = sealWithCode('gho_secret', code);
    expect(sealed).not.toContain('gho_secret');
    expect(openWithCode(sealed, code)).toBe('gho_secret');
    expect(() => openWithCode(sealed, randomToken())).toThrow();
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
    expect(() => openWithCode(`v1.${bytes.toString('base64url')}`, code)).toThrow();
    expect(sealWithCode('gho_secret', code)).not.toBe(sealed);
  });

  it('keys the database by SHA-256 hex', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

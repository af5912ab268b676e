import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { brotliCompressSync } from 'node:zlib';
import { decodeBody, encodeBody } from './webhook-body.codec';

/** GitHub's own example push delivery (@octokit/webhooks-examples), as the hook would send it. */
function examplePush(): Buffer {
  const path = require.resolve('@octokit/webhooks-examples/api.github.com/index.json');
  const all = JSON.parse(readFileSync(path, 'utf8')) as Array<{ name: string; examples: unknown[] }>;
  const push = all.find((e) => e.name === 'push')!.examples[0];
  return Buffer.from(JSON.stringify(push, null, 2), 'utf8');
}

describe('webhook body codec', () => {
  it("keeps GitHub's JSON compressed to under a third, and gives back the exact bytes", async () => {
    const body = examplePush();
    const stored = await encodeBody(body);
    expect(stored.encoding).toBe('brotli');
    expect(stored.bytes.length).toBeLessThan(body.length / 3);
    expect((await decodeBody(stored.bytes, stored.encoding)).equals(body)).toBe(true);
  });

  it('keeps bytes that do not shrink as they are', async () => {
    for (const body of [Buffer.from('{}'), randomBytes(4096)]) {
      const stored = await encodeBody(body);
      expect(stored).toEqual({ bytes: body, encoding: 'identity' });
      expect((await decodeBody(stored.bytes, stored.encoding)).equals(body)).toBe(true);
    }
  });

  it('round-trips a large body compressed off the event loop, byte-exact', async () => {
    const entry = (i: number) =>
      `{"id":${i},"message":"fix \\ud83d\\ude80 #${i}","hash":"${randomBytes(8).toString('hex')}"}`;
    const body = Buffer.from(`{"commits":[${Array.from({ length: 20_000 }, (_, i) => entry(i)).join(',')}]}`);
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const stored = await encodeBody(body);
    expect(stored.encoding).toBe('brotli');
    expect((await decodeBody(stored.bytes, stored.encoding)).equals(body)).toBe(true);
  });

  it('refuses an unknown encoding, damaged bytes, and a body that would grow past GitHub’s 25 MB', async () => {
    await expect(decodeBody(Buffer.from('{}'), 'gzip')).rejects.toThrow(
      'unknown webhook body encoding "gzip"',
    );
    await expect(decodeBody(Buffer.from('not brotli at all'), 'brotli')).rejects.toThrow();
    const bomb = brotliCompressSync(Buffer.alloc(26 * 1024 * 1024, 0x20));
    await expect(decodeBody(bomb, 'brotli')).rejects.toThrow(/Cannot create a Buffer larger|buffer|length/i);
  });
});

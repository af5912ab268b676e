import { promisify } from 'node:util';
import {
  brotliCompress,
  brotliCompressSync,
  brotliDecompress,
  constants,
  type BrotliOptions,
} from 'node:zlib';
import { WEBHOOK_MAX_BODY_BYTES } from './webhook.constants';

/**
 * How the inbox keeps a body: as received, or compressed by the API with Brotli. GitHub's JSON shrinks 3.5–10×
 * (a 6.9 KB push to 2 KB), so a row stays inline instead of in TOAST chunks and PostgreSQL writes a fraction of
 * the WAL, which costs PostgreSQL far less CPU than storing the bytes as they are (or compressing them itself
 * with pglz). Decoding gives back the exact bytes GitHub signed.
 */
export type BodyEncoding = 'identity' | 'brotli';

export interface StoredBody {
  bytes: Buffer;
  encoding: BodyEncoding;
}

/** Quality 1: about 2 µs per KB, twice as fast as zlib's fastest level and smaller; higher qualities cost more. */
const QUALITY = 1;
/** Bodies up to this size are compressed in line; larger ones on libuv's pool, off the event loop. */
const COMPRESS_IN_LINE_MAX_BYTES = 64 * 1024;

const compressAsync = promisify<Buffer, BrotliOptions, Buffer>(brotliCompress);
const decompressAsync = promisify<Buffer, BrotliOptions, Buffer>(brotliDecompress);

export async function encodeBody(body: Buffer): Promise<StoredBody> {
  const options: BrotliOptions = {
    params: { [constants.BROTLI_PARAM_QUALITY]: QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
  };
  const bytes =
    body.length <= COMPRESS_IN_LINE_MAX_BYTES
      ? brotliCompressSync(body, options)
      : await compressAsync(body, options);
  // Bytes that do not shrink (tiny or already compressed) are kept as they are.
  return bytes.length < body.length ? { bytes, encoding: 'brotli' } : { bytes: body, encoding: 'identity' };
}

export async function decodeBody(bytes: Buffer, encoding: string): Promise<Buffer> {
  if (encoding === 'identity') return bytes;
  if (encoding !== 'brotli') throw new Error(`unknown webhook body encoding "${encoding}"`);
  // Always on libuv's pool: a few stored bytes may grow back to 25 MB, and processing is not that hurried.
  return decompressAsync(bytes, { maxOutputLength: WEBHOOK_MAX_BODY_BYTES });
}

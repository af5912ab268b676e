import { must } from '../must';

/** Deterministic hashing and PRNG helpers: the whole world derives from the seed through these. */

/** 32-bit mix of several integers (murmur3 finaliser over a running hash). */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return hash32(h >>> 0);
}

/** mulberry32: tiny, fast, good enough for synthetic data. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return must(items[Math.floor(this.next() * items.length)], 'an item to pick (the list is empty)');
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Skewed towards small values (many small commits, few huge ones). */
  skewed(max: number): number {
    const r = this.next();
    return Math.max(1, Math.floor(max * r * r * r));
  }
  hex(length: number): string {
    let out = '';
    while (out.length < length)
      out += Math.floor(this.next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, length);
  }
  /** RFC 4122 version 4 layout, deterministic. */
  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
    const s = `${h.slice(0, 12)}4${h.slice(13, 16)}${variant}${h.slice(17)}`;
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}

const MUL = 0x2c1b3c6d;
const MUL_INV = modInverse32(MUL);

function modInverse32(a: number): number {
  // Newton iteration for the inverse of an odd number modulo 2^32.
  let x = a;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return x >>> 0;
}

/** Invertible 32-bit permutation, so a virtual commit's index can be recovered from its SHA. */
export function permute32(x: number, key: number): number {
  let v = (x ^ key) >>> 0;
  v = Math.imul(v, MUL) >>> 0;
  v = (v ^ (v >>> 16)) >>> 0;
  v = Math.imul(v, MUL) >>> 0;
  return v >>> 0;
}

export function unpermute32(y: number, key: number): number {
  let v = Math.imul(y, MUL_INV) >>> 0;
  v = (v ^ (v >>> 16)) >>> 0;
  v = Math.imul(v, MUL_INV) >>> 0;
  return (v ^ key) >>> 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Two hex digits of a byte (`& 255` keeps every index inside the table). */
function hexByte(b: number): string {
  return must(HEX[b & 255], 'a byte in the hex table');
}

export function hex8(n: number): string {
  return hexByte(n >>> 24) + hexByte(n >>> 16) + hexByte(n >>> 8) + hexByte(n);
}

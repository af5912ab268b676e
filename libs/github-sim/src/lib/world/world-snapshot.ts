/**
 * A JSON form of any object graph made of plain objects, arrays, Maps, Sets, Dates and registered classes,
 * keeping shared references and cycles. The world file stores the whole simulated world this way, so a field
 * added to the world or its entities later is kept without touching this file; a value it cannot store
 * faithfully (a function, an unregistered class) is an error rather than silently lost.
 *
 * Every object becomes `{ "<tag>": id, "v": ... }`, so no data key can be mistaken for a tag.
 */

export type Encoded = null | boolean | number | string | { [tag: string]: unknown };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClass = abstract new (...args: any[]) => object;

export function encodeGraph(value: unknown, classes: Record<string, AnyClass>): Encoded {
  const ids = new Map<object, number>();
  const names = new Map<object, string>(
    Object.entries(classes).map(([name, cls]) => [cls.prototype as object, name]),
  );

  const encode = (v: unknown, path: string): Encoded => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : { $n: String(v) };
    if (v === undefined) return { $u: 1 };
    if (typeof v === 'bigint') return { $b: v.toString() };
    if (typeof v !== 'object') throw new Error(`world snapshot: cannot store the ${typeof v} at ${path}`);
    const seen = ids.get(v);
    if (seen !== undefined) return { $r: seen };
    const id = ids.size;
    ids.set(v, id);
    if (Array.isArray(v)) return { $a: id, v: v.map((x, i) => encode(x, `${path}[${i}]`)) };
    if (v instanceof Map)
      return {
        $m: id,
        v: [...v].map(([k, x]) => [encode(k, `${path} key`), encode(x, `${path}.get(${String(k)})`)]),
      };
    if (v instanceof Set) return { $s: id, v: [...v].map((x) => encode(x, `${path} member`)) };
    if (v instanceof Date) return { $d: id, v: v.getTime() };
    const proto = Object.getPrototypeOf(v) as object | null;
    const fields = (): Record<string, Encoded> =>
      Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x, `${path}.${k}`)]));
    if (proto === Object.prototype || proto === null) return { $o: id, v: fields() };
    const name = proto && names.get(proto);
    if (!name)
      throw new Error(
        `world snapshot: cannot store the ${(v as object).constructor?.name ?? 'object'} at ${path}; register its class`,
      );
    return { $c: name, $i: id, v: fields() };
  };
  return encode(value, 'world');
}

export function decodeGraph(node: Encoded, classes: Record<string, AnyClass>): unknown {
  const refs = new Map<number, unknown>();
  const bad = (what: string): never => {
    throw new Error(`world snapshot: ${what}`);
  };

  const decode = (n: unknown): unknown => {
    if (n === null || typeof n !== 'object') return n;
    const e = n as Record<string, unknown>;
    const body = e['v'];
    if ('$u' in e) return undefined;
    if ('$n' in e) return Number(e['$n']);
    if ('$b' in e) return BigInt(String(e['$b']));
    if ('$r' in e)
      return refs.has(e['$r'] as number)
        ? refs.get(e['$r'] as number)
        : bad(`unknown reference ${String(e['$r'])}`);
    if ('$a' in e) {
      const out: unknown[] = [];
      refs.set(e['$a'] as number, out);
      for (const x of body as unknown[]) out.push(decode(x));
      return out;
    }
    if ('$m' in e) {
      const out = new Map<unknown, unknown>();
      refs.set(e['$m'] as number, out);
      for (const [k, x] of body as Array<[unknown, unknown]>) out.set(decode(k), decode(x));
      return out;
    }
    if ('$s' in e) {
      const out = new Set<unknown>();
      refs.set(e['$s'] as number, out);
      for (const x of body as unknown[]) out.add(decode(x));
      return out;
    }
    if ('$d' in e) {
      const out = new Date(body as number);
      refs.set(e['$d'] as number, out);
      return out;
    }
    if ('$o' in e || '$c' in e) {
      let out: Record<string, unknown> = {};
      if ('$c' in e) {
        const cls = classes[String(e['$c'])] ?? bad(`unknown class ${String(e['$c'])}`);
        out = Object.create(cls.prototype) as Record<string, unknown>;
      }
      refs.set((e['$o'] ?? e['$i']) as number, out);
      for (const [k, x] of Object.entries(body as Record<string, unknown>)) out[k] = decode(x);
      return out;
    }
    return bad(`unknown entry ${JSON.stringify(e).slice(0, 80)}`);
  };
  return decode(node);
}

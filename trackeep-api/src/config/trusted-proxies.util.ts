import { registerDecorator, type ValidationOptions } from 'class-validator';
import { isIP } from 'node:net';

/** An address (`10.0.0.7`, `::1`) or a CIDR block (`10.0.0.0/8`, `fd00::/8`), as Express's `trust proxy` takes them. */
export function isProxyAddress(value: string): boolean {
  const [address = '', prefix, extra] = value.split('/');
  if (extra !== undefined) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/** Every entry of a list is an address or a CIDR block. */
export function IsProxyAddressList(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isProxyAddressList',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be a comma list of addresses or CIDR blocks, e.g. "10.0.0.0/8,fd00::/8"`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) && value.every((v) => typeof v === 'string' && isProxyAddress(v)),
      },
    });
}

import { BillingError } from './billing.errors';

// Money is a decimal string with at most two decimals ("19.99"), never a float: in events,
// in JSON and in arithmetic (done in integer cents).
const PRICE = /^(0|[1-9]\d{0,7})(\.\d{1,2})?$/;

export function parsePrice(value: string): string {
  if (typeof value !== 'string' || !PRICE.test(value)) {
    throw new BillingError(
      'BILLING.PRICE_INVALID',
      `price must be a non-negative amount with at most two decimals, like "19.99" (got ${JSON.stringify(value)})`,
    );
  }
  return normalize(toCents(value));
}

export function toCents(value: string): bigint {
  const [whole, frac = ''] = value.split('.');
  return BigInt(whole) * 100n + BigInt((frac + '00').slice(0, 2));
}

export function normalize(cents: bigint): string {
  const whole = cents / 100n;
  const frac = (cents % 100n).toString().padStart(2, '0');
  return `${whole}.${frac}`;
}

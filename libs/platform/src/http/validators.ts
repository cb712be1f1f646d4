import { ValidateBy, ValidateIf } from 'class-validator';

// Validation rules the contexts share, so that a date or a number means the same on every
// route. Strict on purpose: what passes here is stored, compared in SQL or hashed into events.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// A calendar date, then optionally a time of day with seconds and fractions and an offset.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?$/;

/** True for a real day of the Gregorian calendar (no 2026-02-30, no month 13). */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const d = new Date(Date.UTC(2000, month - 1, day));
  d.setUTCFullYear(year);
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** `YYYY-MM-DD` naming a real day. */
export function isCalendarDate(v: unknown): v is string {
  const m = typeof v === 'string' ? DATE.exec(v) : null;
  return m !== null && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * An ISO 8601 instant in the one form we accept: a real calendar date, optionally with a time
 * and a UTC offset (a date alone is midnight UTC). Week dates (`2026-W01-1`), ordinal dates and
 * other exotic forms that `Date` cannot read are refused.
 */
export function isIsoInstant(v: unknown): v is string {
  const m = typeof v === 'string' ? INSTANT.exec(v) : null;
  if (!m || !isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  // A time needs its offset: a local time would be read in the server's zone.
  if (m[4] !== undefined && m[7] === undefined) return false;
  return !Number.isNaN(Date.parse(v as string));
}

/** A calendar date `YYYY-MM-DD` (dates of birth and the like). */
export const IsCalendarDate = (): PropertyDecorator =>
  ValidateBy({ name: 'isCalendarDate', validator: { validate: isCalendarDate, defaultMessage: (a) => `${a?.property} must be a real calendar date YYYY-MM-DD` } });

/** An instant: `2026-11-25`, `2026-11-25T09:00Z` or `2026-11-25T09:00:00.000+01:00`. */
export const IsIsoInstant = (): PropertyDecorator =>
  ValidateBy({ name: 'isIsoInstant', validator: { validate: isIsoInstant, defaultMessage: (a) => `${a?.property} must be an ISO 8601 date or date-time with offset, naming a real calendar day` } });

/** May be left out, but never null (for fields whose column cannot be empty, e.g. a name). */
export const IsOmittable = (): PropertyDecorator => ValidateIf((_o: object, v: unknown) => v !== undefined);

// PostgreSQL's integer: versions, limits and offsets are compared with int4 and bigint columns,
// so a number past this is refused at the edge instead of failing in SQL.
export const MAX_INT32 = 2_147_483_647;

const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** A whole number as a decimal string that fits a PostgreSQL bigint (event positions). */
export const IsBigintString = (): PropertyDecorator =>
  ValidateBy({
    name: 'isBigintString',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && /^\d{1,19}$/.test(v) && BigInt(v) <= BIGINT_MAX,
      defaultMessage: (a) => `${a?.property} must be a non-negative whole number of at most ${BIGINT_MAX}`,
    },
  });

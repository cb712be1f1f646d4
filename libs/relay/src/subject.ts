/**
 * NATS subject tokens may not be empty nor hold '.', whitespace, '*' or '>'. Each part of the
 * subject is encoded so that any company id, stream type or event type maps to exactly one
 * valid token and back: the bytes A-Z a-z 0-9 and '-' stay as they are; every other UTF-8 byte
 * (including '_' and '%') becomes '%' and two upper-case hex digits. A missing company (a
 * platform-wide event) is the token '_', which no encoded value can equal.
 */
const SAFE = /^[A-Za-z0-9-]$/;

export const NO_COMPANY_TOKEN = '_';

export function encodeToken(value: string | null): string {
  if (value === null) return NO_COMPANY_TOKEN;
  if (value === '') return '%';
  let out = '';
  for (const ch of value) {
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeToken(token: string): string | null {
  if (token === NO_COMPANY_TOKEN) return null;
  if (token === '%') return '';
  if (!/^(?:[A-Za-z0-9-]|%[0-9A-F]{2})+$/.test(token)) throw new Error(`not an encoded subject token: ${token}`);
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '%') {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `<prefix>.<company>.<streamType>.<type>`, each part encoded. */
export function eventSubject(prefix: string, e: { companyId: string | null; streamType: string; type: string }): string {
  return `${prefix}.${encodeToken(e.companyId)}.${encodeToken(e.streamType)}.${encodeToken(e.type)}`;
}

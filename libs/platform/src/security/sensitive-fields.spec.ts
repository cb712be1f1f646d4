import { SENSITIVE_FIELDS, isSecretValue, isSensitiveField, mayHoldSecret } from './sensitive-fields';

describe('the sensitive-field list', () => {
  it('knows each listed field in any case and with any separator', () => {
    for (const f of SENSITIVE_FIELDS) {
      const snake = f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      for (const name of [f, f.toUpperCase(), snake, snake.replace(/_/g, '-')]) expect({ name, sensitive: isSensitiveField(name) }).toEqual({ name, sensitive: true });
    }
    for (const name of ['email', 'role', 'tokenType', 'familyId', 'keyId', 'passwordPolicy']) expect({ name, sensitive: isSensitiveField(name) }).toEqual({ name, sensitive: false });
  });

  it('knows password hashes by their format, whatever the field', () => {
    expect(['$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', '$2b$10$abcdefghijklmnopqrstuv', '$scrypt$ln=16'].every(isSecretValue)).toBe(true);
    expect(['$100.00', '$2bn in transfers', '$argon2 is a hash', 'argon2id', 12, null].some(isSecretValue)).toBe(false);
  });

  it('tells from the stored text when a value may hold a secret, and never misses one', () => {
    for (const f of SENSITIVE_FIELDS) expect(mayHoldSecret(JSON.stringify({ userId: 'u', [f.replace(/[A-Z]/g, (c) => `_${c}`)]: 'x' }))).toBe(true);
    expect(mayHoldSecret('{"note":"$argon2id$v=19$..."}')).toBe(true);
    expect(mayHoldSecret('{"amount":5,"email":"ann@acme.test","role":"USER","to":"VIEWER"}')).toBe(false);
  });
});

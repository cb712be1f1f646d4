import { passwordProblem } from './password-policy';

describe('password policy', () => {
  it('needs at least 12 characters', () => {
    expect(passwordProblem('Sh0rt!pass')).toMatch(/at least 12/);
    expect(passwordProblem('plum-river-lantern-42')).toBeNull();
  });

  it('refuses the commonest passwords whatever their case', () => {
    expect(passwordProblem('Password1234')).toMatch(/common/);
    expect(passwordProblem('QWERTYUIOP123')).toMatch(/common/);
    expect(passwordProblem('123456789012')).toMatch(/common/);
  });

  it('refuses a short pattern repeated and the e-mail name', () => {
    expect(passwordProblem('abcabcabcabc')).toMatch(/repeated/);
    expect(passwordProblem('jonathan-secure-99', 'jonathan@acme.test')).toMatch(/e-mail/);
  });
});

import { jaro, jaroWinkler } from './jaro-winkler';

describe('Jaro-Winkler similarity', () => {
  it.each([
    ['MARTHA', 'MARHTA', 0.961],
    ['DWAYNE', 'DUANE', 0.84],
    ['DIXON', 'DICKSONX', 0.813],
    ['JELLYFISH', 'SMELLYFISH', 0.896],
    ['CRATE', 'TRACE', 0.733],
  ])('%s / %s = %d (published values)', (a, b, expected) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(expected, 3);
    expect(jaroWinkler(b, a)).toBeCloseTo(expected, 3);
  });

  it('gives the plain Jaro values under the prefix bonus', () => {
    expect(jaro('MARTHA', 'MARHTA')).toBeCloseTo(0.944, 3);
    expect(jaro('DWAYNE', 'DUANE')).toBeCloseTo(0.822, 3);
    expect(jaro('DIXON', 'DICKSONX')).toBeCloseTo(0.767, 3);
  });

  it('is 1 for equal strings and 0 for nothing in common or an empty side', () => {
    expect(jaroWinkler('KHOROSHEV', 'KHOROSHEV')).toBe(1);
    expect(jaroWinkler('', '')).toBe(1);
    expect(jaroWinkler('ABC', '')).toBe(0);
    expect(jaroWinkler('ABC', 'XYZ')).toBe(0);
  });

  it('counts at most four prefix characters', () => {
    // Same Jaro value; the bonus stops growing after four common leading letters.
    const j = jaro('ABCDEFGH', 'ABCDEFHG');
    expect(jaroWinkler('ABCDEFGH', 'ABCDEFHG')).toBeCloseTo(j + 0.4 * (1 - j), 10);
  });

  it('gives no prefix bonus when the strings are too different (Jaro <= 0.7)', () => {
    expect(jaroWinkler('ABCDE', 'ABXYZ')).toBeCloseTo(jaro('ABCDE', 'ABXYZ'), 10);
  });

  it('stays correct for strings longer than its reusable buffers', () => {
    const long = 'A'.repeat(200) + 'B';
    expect(jaroWinkler(long, long.slice(0, 200) + 'C')).toBeGreaterThan(0.99);
  });
});

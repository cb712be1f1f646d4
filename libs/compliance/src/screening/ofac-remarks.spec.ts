import { extractRemarkFacts, parseBirthDate } from './ofac-remarks';

describe('OFAC remarks', () => {
  it('extracts dates and places of birth, nationalities, flags and weak aliases', () => {
    const facts = extractRemarkFacts(
      "DOB 12 Mar 1961; alt. DOB circa 1963; POB Tehran, Iran; nationality Iran; alt. nationality Iraq; citizen Syria; Nationality of Registration Panama; a.k.a. 'THE YOUTH'; Gender Male.",
    );
    expect(facts).toEqual({
      datesOfBirth: ['12 Mar 1961', 'circa 1963'],
      placesOfBirth: ['Tehran, Iran'],
      nationalities: ['Iran', 'Iraq', 'Syria'],
      registrationCountries: ['Panama'],
      weakAliases: ['THE YOUTH'],
    });
    expect(extractRemarkFacts(null).datesOfBirth).toEqual([]);
  });

  it.each([
    ['12 Mar 1961', { fromYear: 1961, toYear: 1961, exact: { year: 1961, month: 3, day: 12 }, circa: false }],
    ['Mar 1961', { fromYear: 1961, toYear: 1961, exact: null, circa: false }],
    ['1961', { fromYear: 1961, toYear: 1961, exact: null, circa: false }],
    ['circa 1961', { fromYear: 1961, toYear: 1961, exact: null, circa: true }],
    ['circa 12 Mar 1961', { fromYear: 1961, toYear: 1961, exact: null, circa: true }],
    ['1961 to 1963', { fromYear: 1961, toYear: 1963, exact: null, circa: false }],
    ['01 Jan 1961 to 31 Dec 1962', { fromYear: 1961, toYear: 1962, exact: null, circa: false }],
    ['circa 1979-1982', { fromYear: 1979, toYear: 1982, exact: null, circa: true }],
    ['1961.', { fromYear: 1961, toYear: 1961, exact: null, circa: false }],
  ])('reads the date of birth "%s"', (text, expected) => {
    expect(parseBirthDate(text)).toEqual(expected);
  });

  it.each(['unknown', '12 1961', 'Foo 1961', '1963 to 1961'])('rejects "%s"', (text) => {
    expect(parseBirthDate(text)).toBeNull();
  });
});

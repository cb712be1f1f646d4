// Cheap letter-by-letter romanisation, close to BGN/PCGN, for the scripts in which sanctioned
// names are most often typed. Sanctions lists publish Latin spellings, so a name typed in
// Cyrillic or Greek must become Latin before it can match. Scripts without a table here
// (Arabic, Chinese, ...) would need real transliteration and are dropped by the normaliser.

// Letters that Unicode decomposition (NFKD) leaves alone or reduces badly.
const LATIN: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
  ŋ: 'ng',
  ŧ: 't',
  ſ: 's',
  ƒ: 'f',
};

// Cyrillic letters whose diacritic makes them another letter: decomposition (NFKD) would
// otherwise turn й into и, ї into і, and so on. They are romanised before decomposing.
const BEFORE_DECOMPOSITION = new Map<string, string>([
  ['й', 'y'],
  ['ё', 'e'],
  ['ї', 'yi'],
  ['ў', 'u'],
  ['ѓ', 'g'],
  ['ќ', 'k'],
]);

// Russian, then the extra letters of Ukrainian, Belarusian, Serbian and Macedonian.
const CYRILLIC =
  'а a|б b|в v|г g|д d|е e|ж zh|з z|и i|к k|л l|м m|н n|о o|п p|р r|с s|т t|у u|ф f|х kh|' +
  'ц ts|ч ch|ш sh|щ shch|ъ |ы y|ь |э e|ю yu|я ya|є ye|і i|ґ g|ђ dj|ј j|љ lj|њ nj|ћ c|џ dz|ѕ dz';

const GREEK =
  'α a|β v|γ g|δ d|ε e|ζ z|η i|θ th|ι i|κ k|λ l|μ m|ν n|ξ x|ο o|π p|ρ r|σ s|ς s|τ t|υ y|φ f|χ ch|' +
  'ψ ps|ω o';

// Greek vowel pairs romanised as a pair (ΠΑΠΑΔΟΠΟΥΛΟΣ -> PAPADOPOULOS, not PAPADOPOYLOS).
const DIGRAPHS = new Map<string, string>([
  ['ου', 'ou'],
  ['αυ', 'av'],
  ['ευ', 'ev'],
]);

const TABLE = new Map<string, string>(Object.entries(LATIN));
for (const pair of `${CYRILLIC}|${GREEK}`.split('|')) {
  const [letter, latin = ''] = pair.split(' ');
  TABLE.set(letter, latin);
}

/**
 * Lower-case text to Latin letters without diacritics: Cyrillic and Greek romanised, marks
 * stripped after Unicode decomposition (é -> e), and the letters decomposition leaves alone
 * (ß, æ, ø, ł ...) spelled out. Characters of other scripts pass through unchanged.
 */
export function toLatin(lowerCase: string): string {
  let s = '';
  for (const ch of lowerCase.normalize('NFC')) s += BEFORE_DECOMPOSITION.get(ch) ?? ch;
  return transliterate(s.normalize('NFKD').replace(/\p{M}/gu, ''));
}

function transliterate(lowerCase: string): string {
  let out = '';
  for (let i = 0; i < lowerCase.length; i++) {
    const pair = DIGRAPHS.get(lowerCase.slice(i, i + 2));
    if (pair !== undefined) {
      out += pair;
      i++;
      continue;
    }
    const ch = lowerCase[i];
    out += TABLE.get(ch) ?? ch;
  }
  return out;
}

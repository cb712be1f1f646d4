// Country comparison for screening. OFAC writes country names its own way ("Korea, North",
// "Congo, Democratic Republic of the", "Burma"); callers may send ISO 3166 alpha-2 codes or
// everyday names. Both sides are reduced to a key: upper-case words without diacritics,
// punctuation or filler words, sorted, so that word order and commas do not matter.

// ISO alpha-2 code -> OFAC's spelling. Codes OFAC never uses may still appear in queries.
const ISO_TABLE =
  'AF Afghanistan|AL Albania|DZ Algeria|AD Andorra|AO Angola|AG Antigua and Barbuda|AR Argentina|AM Armenia|' +
  'AW Aruba|AU Australia|AT Austria|AZ Azerbaijan|BS Bahamas, The|BH Bahrain|BD Bangladesh|BB Barbados|' +
  'BY Belarus|BE Belgium|BZ Belize|BJ Benin|BT Bhutan|BO Bolivia|BA Bosnia and Herzegovina|BW Botswana|' +
  'BR Brazil|BN Brunei|BG Bulgaria|BF Burkina Faso|MM Burma|BI Burundi|CV Cabo Verde|KH Cambodia|CM Cameroon|' +
  'CA Canada|KY Cayman Islands|CF Central African Republic|TD Chad|CL Chile|CN China|CO Colombia|KM Comoros|' +
  'CD Congo, Democratic Republic of the|CG Congo, Republic of the|CR Costa Rica|CI Cote d Ivoire|HR Croatia|' +
  'CU Cuba|CW Curacao|CY Cyprus|CZ Czech Republic|DK Denmark|DJ Djibouti|DM Dominica|DO Dominican Republic|' +
  'EC Ecuador|EG Egypt|SV El Salvador|GQ Equatorial Guinea|ER Eritrea|EE Estonia|SZ Eswatini|ET Ethiopia|' +
  'FJ Fiji|FI Finland|FR France|GA Gabon|GM The Gambia|GE Georgia|DE Germany|GH Ghana|GI Gibraltar|GR Greece|' +
  'GD Grenada|GT Guatemala|GG Guernsey|GN Guinea|GW Guinea-Bissau|GY Guyana|HT Haiti|HN Honduras|HK Hong Kong|' +
  'HU Hungary|IS Iceland|IN India|ID Indonesia|IR Iran|IQ Iraq|IE Ireland|IM Man, Isle of|IL Israel|IT Italy|' +
  'JM Jamaica|JP Japan|JE Jersey|JO Jordan|KZ Kazakhstan|KE Kenya|KI Kiribati|KP Korea, North|KR Korea, South|' +
  'XK Kosovo|KW Kuwait|KG Kyrgyzstan|LA Laos|LV Latvia|LB Lebanon|LS Lesotho|LR Liberia|LY Libya|' +
  'LI Liechtenstein|LT Lithuania|LU Luxembourg|MO Macau|MK North Macedonia|MG Madagascar|MW Malawi|MY Malaysia|' +
  'MV Maldives|ML Mali|MT Malta|MH Marshall Islands|MR Mauritania|MU Mauritius|MX Mexico|FM Micronesia|' +
  'MD Moldova|MC Monaco|MN Mongolia|ME Montenegro|MA Morocco|MZ Mozambique|NA Namibia|NR Nauru|NP Nepal|' +
  'NL Netherlands|NZ New Zealand|NI Nicaragua|NE Niger|NG Nigeria|NO Norway|OM Oman|PK Pakistan|PW Palau|' +
  'PS Palestinian|PA Panama|PG Papua New Guinea|PY Paraguay|PE Peru|PH Philippines|PL Poland|PT Portugal|' +
  'QA Qatar|RO Romania|RU Russia|RW Rwanda|KN Saint Kitts and Nevis|LC Saint Lucia|' +
  'VC Saint Vincent and the Grenadines|WS Samoa|SM San Marino|ST Sao Tome and Principe|SA Saudi Arabia|' +
  'SN Senegal|RS Serbia|SC Seychelles|SL Sierra Leone|SG Singapore|SK Slovakia|SI Slovenia|SB Solomon Islands|' +
  'SO Somalia|ZA South Africa|SS South Sudan|ES Spain|LK Sri Lanka|SD Sudan|SR Suriname|SE Sweden|' +
  'CH Switzerland|SY Syria|TW Taiwan|TJ Tajikistan|TZ Tanzania|TH Thailand|TL Timor-Leste|TG Togo|TO Tonga|' +
  'TT Trinidad and Tobago|TN Tunisia|TR Turkey|TM Turkmenistan|TV Tuvalu|UG Uganda|UA Ukraine|' +
  'AE United Arab Emirates|GB United Kingdom|US United States|UY Uruguay|UZ Uzbekistan|VU Vanuatu|' +
  'VE Venezuela|VN Vietnam|VG Virgin Islands, British|YE Yemen|ZM Zambia|ZW Zimbabwe';

// Everyday or official names that differ from OFAC's spelling by more than word order.
const ALIASES: Record<string, string> = {
  MYANMAR: 'MM',
  'RUSSIAN FEDERATION': 'RU',
  'IVORY COAST': 'CI',
  'IRAN ISLAMIC REPUBLIC': 'IR',
  'SYRIAN ARAB REPUBLIC': 'SY',
  'DEMOCRATIC PEOPLES REPUBLIC KOREA': 'KP',
  DPRK: 'KP',
  'REPUBLIC KOREA': 'KR',
  CZECHIA: 'CZ',
  TURKIYE: 'TR',
  'VIET NAM': 'VN',
  UAE: 'AE',
  UK: 'GB',
  'GREAT BRITAIN': 'GB',
  USA: 'US',
  'UNITED STATES AMERICA': 'US',
  MACEDONIA: 'MK',
  'FORMER MACEDONIA REPUBLIC YUGOSLAV': 'MK',
  'WEST BANK': 'PS',
  'REGION GAZA': 'PS',
  'CAPE VERDE': 'CV',
  DRC: 'CD',
};

const FILLER = new Set(['THE', 'OF', 'AND']);

function wordsKey(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w.length > 0 && !FILLER.has(w));
  return words.sort().join(' ');
}

const BY_KEY = new Map<string, string>();
for (const item of ISO_TABLE.split('|')) {
  const code = item.slice(0, 2);
  BY_KEY.set(wordsKey(item.slice(3)), code);
}
for (const [name, code] of Object.entries(ALIASES)) BY_KEY.set(wordsKey(name), code);
const KNOWN_CODES = new Set(BY_KEY.values());

/**
 * A comparable key for a country name or ISO alpha-2 code: the ISO code when the country is
 * known, otherwise the sorted words (so unknown regions still compare with themselves).
 */
export function countryKey(nameOrCode: string): string {
  const trimmed = nameOrCode.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) {
    const code = trimmed.toUpperCase();
    // "UK" is the one everyday two-letter name that is not its ISO code (GB).
    return code === 'UK' ? 'GB' : code;
  }
  const words = wordsKey(trimmed);
  return BY_KEY.get(words) ?? words;
}

/** True when the name or code is a country this table knows. */
export function isKnownCountry(nameOrCode: string): boolean {
  return KNOWN_CODES.has(countryKey(nameOrCode));
}

// Jaro-Winkler similarity (Winkler 1990): prefix scale 0.1, at most 4 prefix characters, and
// the prefix bonus only when the Jaro similarity exceeds 0.7 (Winkler's boost threshold).

export const JARO_WINKLER = { prefixScale: 0.1, maxPrefix: 4, boostThreshold: 0.7 } as const;

// Match flags are reused between calls: screening compares thousands of pairs per query and
// allocating two arrays per pair would dominate the cost.
let flagsA = new Uint8Array(64);
let flagsB = new Uint8Array(64);

/** Jaro similarity in [0, 1]: 1 for equal strings, 0 when nothing matches or one is empty. */
export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  if (la > flagsA.length) flagsA = new Uint8Array(la * 2);
  if (lb > flagsB.length) flagsB = new Uint8Array(lb * 2);
  flagsA.fill(0, 0, la);
  flagsB.fill(0, 0, lb);

  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const c = a.charCodeAt(i);
    const end = Math.min(i + window + 1, lb);
    for (let j = Math.max(0, i - window); j < end; j++) {
      if (flagsB[j] === 0 && b.charCodeAt(j) === c) {
        flagsA[i] = 1;
        flagsB[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;

  // Matched characters that appear in a different order count as half a transposition each.
  let halfTranspositions = 0;
  let j = 0;
  for (let i = 0; i < la; i++) {
    if (flagsA[i] === 0) continue;
    while (flagsB[j] === 0) j++;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) halfTranspositions++;
    j++;
  }
  const m = matches;
  return (m / la + m / lb + (m - (halfTranspositions >> 1)) / m) / 3;
}

/** Jaro-Winkler similarity in [0, 1]: Jaro with a bonus for a common prefix. */
export function jaroWinkler(a: string, b: string): number {
  const j = jaro(a, b);
  if (j <= JARO_WINKLER.boostThreshold) return j;
  const limit = Math.min(JARO_WINKLER.maxPrefix, a.length, b.length);
  let prefix = 0;
  while (prefix < limit && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return j + prefix * JARO_WINKLER.prefixScale * (1 - j);
}

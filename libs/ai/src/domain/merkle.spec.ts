import { leafHash, merkleRoot, packLeaves, unpackLeaves } from './merkle';
import { populationStabilityIndex } from './psi';

describe('prediction batch Merkle roots', () => {
  it('change with any row, its order or its count', () => {
    const rows = [{ a: 1 }, { a: 2 }, { a: 3 }];
    const root = merkleRoot(rows.map(leafHash));
    expect(merkleRoot([{ a: 1 }, { a: 2 }, { a: 3 }].map(leafHash))).toBe(root);
    expect(merkleRoot([{ a: 1 }, { a: 2 }, { a: 4 }].map(leafHash))).not.toBe(root);
    expect(merkleRoot([{ a: 2 }, { a: 1 }, { a: 3 }].map(leafHash))).not.toBe(root);
    expect(merkleRoot([{ a: 1 }, { a: 2 }].map(leafHash))).not.toBe(root);
    expect(unpackLeaves(packLeaves(rows.map(leafHash)))).toEqual(rows.map(leafHash));
  });
});

describe('population stability index', () => {
  const baseline = { edges: [0, 0.5, 1], proportions: [0.5, 0.5] };
  it('is about zero for the baseline distribution and large for a shifted one', () => {
    expect(populationStabilityIndex([0.1, 0.2, 0.7, 0.9], baseline)).toBe(0);
    expect(populationStabilityIndex([0.9, 0.9, 0.8, 0.7], baseline)).toBeGreaterThan(1);
  });
});

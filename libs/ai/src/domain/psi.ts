import type { OutputBaseline } from './model.events';

// Population stability index of today's outputs against the validation baseline:
// sum over bins of (actual - expected) * ln(actual / expected). Empty bins count as a small
// share (EPS) so one empty bin does not make the index infinite. Outputs outside the edges
// fall in the first or the last bin. Common reading: < 0.1 stable, 0.1-0.25 shifting, > 0.25 drifted.
const EPS = 1e-4;

export function binShares(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const v of values) {
    let i = 0;
    while (i < counts.length - 1 && v >= edges[i + 1]) i++;
    counts[i]++;
  }
  return counts.map((c) => (values.length ? c / values.length : 0));
}

export function populationStabilityIndex(values: readonly number[], baseline: OutputBaseline): number {
  const actual = binShares(values, baseline.edges);
  let psi = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = Math.max(actual[i], EPS);
    const e = Math.max(baseline.proportions[i], EPS);
    psi += (a - e) * Math.log(a / e);
  }
  return Math.round(psi * 1e6) / 1e6;
}

// ISO 8601 durations as definitions write them (P1D, PT4H, PT30M, PT2S, P1DT12H).
const DURATION = /^P(?:(\d{1,4})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,6})M)?(?:(\d{1,7})S)?)?$/;

/** Milliseconds of a duration, or null when it is not one (or is zero). */
export function durationMs(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return null;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  const ms = (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
  return ms > 0 ? ms : null;
}

export function addDuration(from: Date, text: string): Date {
  const ms = durationMs(text);
  if (ms === null) throw new Error(`not a duration: ${text}`);
  return new Date(from.getTime() + ms);
}

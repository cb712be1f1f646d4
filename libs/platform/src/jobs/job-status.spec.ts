import { nextCronTick } from './job-status';

describe('nextCronTick', () => {
  const at = (iso: string) => new Date(iso);

  it('gives the next tick of each maintenance cron, in UTC', () => {
    const now = at('2026-12-01T10:07:30Z');
    expect(nextCronTick('* * * * *', now)).toEqual(at('2026-12-01T10:08:00Z'));
    expect(nextCronTick('*/5 * * * *', now)).toEqual(at('2026-12-01T10:10:00Z'));
    expect(nextCronTick('*/15 * * * *', now)).toEqual(at('2026-12-01T10:15:00Z'));
    expect(nextCronTick('0 */6 * * *', now)).toEqual(at('2026-12-01T12:00:00Z'));
  });

  it('moves past a tick that is exactly now', () => {
    expect(nextCronTick('0 */6 * * *', at('2026-12-01T12:00:00Z'))).toEqual(at('2026-12-01T18:00:00Z'));
  });
});

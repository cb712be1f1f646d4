import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { settingsDecider as d } from './settings.decider';
import type { SettingsCommand } from './settings.decider';

const meta: CommandMeta = {
  commandId: 'c',
  now: new Date('2026-12-01T00:00:00Z'),
  actorId: 'admin',
  companyId: 'co',
  correlationId: 'r',
};
const set = (timeZone: string, retentionDays: number | null, zoneKnown = true): SettingsCommand => ({
  type: 'SetAnalyticsSettings',
  timeZone,
  retentionDays,
  zoneKnown,
  globalRetentionDays: 395,
  meta,
});

describe('analytics settings decider', () => {
  it('records a known zone and a retention within the global window', () => {
    given(d)
      .when(set('Europe/Zurich', 30))
      .then([
        {
          type: 'AnalyticsSettingsChanged',
          data: { timeZone: 'Europe/Zurich', retentionDays: 30, by: 'admin' },
        },
      ]);
  });

  it('refuses an unknown zone and a retention beyond the global window', () => {
    given(d)
      .when(set('Mars/Olympus', null, false))
      .thenThrows('ANALYTICS.SETTINGS_INVALID');
    given(d).when(set('UTC', 400)).thenThrows('ANALYTICS.SETTINGS_INVALID');
    given(d).when(set('UTC', 0)).thenThrows('ANALYTICS.SETTINGS_INVALID');
  });

  it('decides nothing when nothing changes', () => {
    given(d, [
      { type: 'AnalyticsSettingsChanged', data: { timeZone: 'Asia/Tokyo', retentionDays: null, by: 'x' } },
    ])
      .when(set('Asia/Tokyo', null))
      .then([]);
  });
});

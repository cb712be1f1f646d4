import type { Command, Decider } from '@maple/platform';
import { AnalyticsError } from './analytics.errors';
import type { AnalyticsSettingsChanged } from './analytics.events';

export type SettingsState = { timeZone: string; retentionDays: number | null };

export type SettingsCommand = Command<'SetAnalyticsSettings'> & {
  timeZone: string;
  retentionDays: number | null;
  /** Whether PostgreSQL knows the zone (checked by the shell: queries bucket with PostgreSQL's zone data). */
  zoneKnown: boolean;
  globalRetentionDays: number;
};

/** Days and weeks are UTC until a company chooses its zone. */
export const DEFAULT_SETTINGS: SettingsState = { timeZone: 'UTC', retentionDays: null };

/** A company's analytics settings: a known time zone, and a retention no longer than the global window. */
export const settingsDecider: Decider<SettingsCommand, AnalyticsSettingsChanged, SettingsState> = {
  initialState: DEFAULT_SETTINGS,
  decide(cmd, state) {
    if (!cmd.zoneKnown)
      throw new AnalyticsError(
        'ANALYTICS.SETTINGS_INVALID',
        `Unknown time zone "${cmd.timeZone.slice(0, 60)}"; use an IANA name such as Europe/Zurich.`,
        { field: 'timeZone' },
      );
    const r = cmd.retentionDays;
    // A company may keep less than the platform, never more: the global window drops whole partitions.
    if (r !== null && (!Number.isInteger(r) || r < 1 || r > cmd.globalRetentionDays)) {
      throw new AnalyticsError(
        'ANALYTICS.SETTINGS_INVALID',
        `retentionDays must be a whole number from 1 to ${cmd.globalRetentionDays} (the global window), or null.`,
        { field: 'retentionDays' },
      );
    }
    if (state.timeZone === cmd.timeZone && state.retentionDays === r) return [];
    return [
      {
        type: 'AnalyticsSettingsChanged',
        data: { timeZone: cmd.timeZone, retentionDays: r, by: cmd.meta.actorId },
      },
    ];
  },
  evolve(_state, e) {
    return { timeZone: e.data.timeZone, retentionDays: e.data.retentionDays };
  },
};

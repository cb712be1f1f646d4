import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, CommandRunner, Database } from '@maple/platform';
import type { AppConfig, CommandMeta } from '@maple/platform';
import { settingsDecider } from '../domain/settings.decider';
import type { SettingsState } from '../domain/settings.decider';
import { settingsStreamId } from '../projections/analytics.projection';
import { settingsOf } from '../queries/ranges';

/** A company's analytics settings, changed by command (so the change is in the chain and the audit log). */
@Injectable()
export class AnalyticsSettings {
  constructor(
    @Inject(CommandRunner) private readonly runner: CommandRunner,
    @Inject(Database) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get(companyId: string): Promise<SettingsState> {
    return this.db.transaction((tx) => settingsOf(tx, companyId), { companyId });
  }

  async set(
    companyId: string,
    input: { timeZone: string; retentionDays: number | null },
    meta: CommandMeta,
  ): Promise<SettingsState> {
    // Queries bucket with PostgreSQL's zone data, so PostgreSQL must know the zone.
    const [z] = await this.db.transaction(
      (tx) =>
        tx.query<{ known: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS known`,
          input.timeZone,
        ),
      { companyId },
    );
    const stream = { id: settingsStreamId(companyId), type: 'AnalyticsSettings', companyId };
    const r = await this.runner.run(settingsDecider, stream, {
      type: 'SetAnalyticsSettings',
      timeZone: input.timeZone,
      retentionDays: input.retentionDays,
      zoneKnown: z.known,
      globalRetentionDays: this.config.analytics.retentionDays,
      meta,
    });
    return r.state;
  }
}

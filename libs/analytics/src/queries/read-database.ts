import { Inject, Injectable } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, Database } from '@maple/platform';
import type { AppConfig, Tx } from '@maple/platform';
import { AnalyticsError } from '../domain/analytics.errors';

/** An analytics answer with the moment its data is complete up to (a replica's last replayed commit). */
export type Fresh<T> = T & { watermark: string };

// PostgreSQL's "canceling statement due to statement timeout".
const QUERY_CANCELED = '57014';

/**
 * Where analytics queries read: the replica of DATABASE_READ_URL when set (opened on first use,
 * its own small pool), else the primary. Every read runs under the company's row-level
 * security with a statement timeout, and returns its freshness watermark.
 */
@Injectable()
export class AnalyticsReadDb implements OnModuleDestroy {
  private replica: Promise<Database> | null = null;

  constructor(
    @Inject(Database) private readonly primary: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** 'replica' when analytics queries go to DATABASE_READ_URL. */
  get source(): 'replica' | 'primary' {
    return this.config.database.readUrl && this.primary.kind === 'postgres' ? 'replica' : 'primary';
  }

  async read<T extends object>(
    companyId: string,
    fn: (tx: Tx) => Promise<T>,
    timeoutMs = this.config.analytics.queryTimeoutMs,
  ): Promise<Fresh<T>> {
    const db = await this.database();
    try {
      return await db.transaction(
        async (tx) => {
          // Read before the query, so it is a lower bound of what the query sees: on a replica,
          // the data is as fresh as the last commit it replayed.
          const [w] = await tx.query<{ w: string }>(
            `SELECT set_config('statement_timeout', $1, true) AS t,
                    to_char(CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_xact_replay_timestamp(), now()) ELSE now() END AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS w`,
            String(timeoutMs),
          );
          const result = await fn(tx);
          return { ...result, watermark: w.w };
        },
        { companyId },
        { timeoutMs: timeoutMs + 5_000 },
      );
    } catch (e) {
      if ((e as { code?: string }).code === QUERY_CANCELED)
        throw new AnalyticsError(
          'ANALYTICS.QUERY_TIMEOUT',
          `The query took longer than ${timeoutMs} ms; narrow its time range.`,
          { timeoutMs },
        );
      throw e;
    }
  }

  private async database(): Promise<Database> {
    if (this.source === 'primary') return this.primary;
    const url = this.config.database.readUrl as string;
    this.replica ??= Database.open({
      config: {
        ...this.config,
        database: {
          ...this.config.database,
          url,
          migrationUrl: url,
          poolSize: Math.min(this.config.database.poolSize, 5),
          migrateOnStart: false,
        },
      },
    });
    try {
      return await this.replica;
    } catch {
      // Tried again on the next query; the primary is never used in its place silently.
      this.replica = null;
      throw new AnalyticsError(
        'ANALYTICS.REPLICA_UNAVAILABLE',
        'The analytics read replica (DATABASE_READ_URL) cannot be reached.',
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    const r = this.replica;
    this.replica = null;
    if (r) await (await r.catch(() => null))?.close();
  }
}

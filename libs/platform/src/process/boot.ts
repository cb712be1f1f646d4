import { ConfigError, loadConfig } from '../config/config';
import { withDataFolderKeys } from '../config/data-folder-keys';
import type { AppConfig } from '../config/config';
import { Database, DatabaseUnavailableError } from '../database/database';
import type { Metrics } from '../metrics/metrics';
import { startMetricsServer } from '../metrics/metrics-server';
import type { MetricsServer } from '../metrics/metrics-server';
import { EmbeddedDatabaseInUseError } from '../database/embedded-folder';

/**
 * What the API and the worker share while they start and stop. Boot failures end with one plain
 * line on stderr and exit code 1: no stack trace for an operator to decode.
 */
export class ProcessBoot {
  constructor(private readonly name: string) {}

  fail(message: string): never {
    process.stderr.write(`${this.name}: ${message}\n`);
    process.exit(1);
  }

  /** The configuration from the environment, or exit naming what is wrong with it. */
  config(): AppConfig {
    try {
      return withDataFolderKeys(loadConfig());
    } catch (e) {
      if (e instanceof ConfigError) this.fail(e.message);
      throw e;
    }
  }

  /** The open (and, if configured, migrated) database, or exit saying why not. */
  async database(config: AppConfig): Promise<Database> {
    let db: Database;
    try {
      // A process that boots this way (the API) must own an embedded folder, never share it.
      db = await Database.open({ config, migrate: config.database.migrateOnStart, embedded: { processName: this.name, whenInUse: 'fail' } });
    } catch (e) {
      if (e instanceof DatabaseUnavailableError) this.fail(`database unavailable: ${e.message}`);
      if (e instanceof EmbeddedDatabaseInUseError) this.fail(e.message);
      this.fail(`database start failed: ${firstLine(e)}`);
    }
    if (config.env === 'production' && db.kind === 'postgres') await this.refuseUnsafeLogin(db);
    return db;
  }

  // Row-level security binds maple_app and maple_system, which every transaction switches to. A
  // superuser or BYPASSRLS login would still see every company's rows in any statement that ran
  // outside that switch, and could switch back: production refuses to run as one.
  private async refuseUnsafeLogin(db: Database): Promise<void> {
    const login = await db.loginRole();
    const what = login.superuser ? 'a superuser' : login.bypassRls ? 'a role with BYPASSRLS' : null;
    if (!what) return;
    await db.close();
    this.fail(`refusing to start in production: the database login "${login.name}" is ${what}; log in as a role without SUPERUSER and BYPASSRLS that is a member of maple_app and maple_system (see README, Security)`);
  }

  /**
   * /metrics on a port of its own when METRICS_PORT is set (for a network only Prometheus
   * reaches), or exit saying why not, after `cleanup` (which closes what is already open).
   */
  async metricsServer(config: AppConfig, metrics: Metrics, cleanup: () => Promise<void>): Promise<MetricsServer | null> {
    if (!config.metrics.port) return null;
    try {
      return await startMetricsServer(metrics, config.metrics);
    } catch (e) {
      await cleanup();
      this.fail(`cannot serve metrics on ${config.metrics.host}:${config.metrics.port}: ${firstLine(e)}`);
    }
  }

  /**
   * SIGTERM/SIGINT run `stop` once, then exit 0; a failing stop, or one that outlasts `graceMs`,
   * exits 1.
   */
  onShutdown(stop: (signal: string) => Promise<void>, graceMs?: number): void {
    let stopping = false;
    const run = (signal: string) => {
      if (stopping) return;
      stopping = true;
      if (graceMs !== undefined) setTimeout(() => this.fail('shutdown grace period exceeded'), graceMs).unref();
      stop(signal).then(
        () => process.exit(0),
        (e: unknown) => this.fail(`shutdown failed: ${firstLine(e)}`),
      );
    };
    process.once('SIGTERM', () => run('SIGTERM'));
    process.once('SIGINT', () => run('SIGINT'));
  }

  /** Runs `main`; an error that escapes it exits with its first line. */
  run(main: () => Promise<void>): void {
    main().catch((e: unknown) => this.fail(firstLine(e)));
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

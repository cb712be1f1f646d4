import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApi } from '../../apps/api/bootstrap';
import { createRootLogger } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import type { TestDatabase } from './databases';

/**
 * The real HTTP application over a test database, driven with Fastify's inject (no socket);
 * `config` (the database's own by default) lets a test change a setting for this app only.
 */
export async function startTestApi(t: TestDatabase, config: AppConfig = t.config): Promise<NestFastifyApplication> {
  const app = await createApi({ config, database: t.db, ownsDatabase: false, logger: createRootLogger(process.env.TEST_LOG_LEVEL ?? 'silent') });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

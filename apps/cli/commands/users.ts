import { Module } from '@nestjs/common';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuditModule } from '@maple/audit';
import { BillingModule } from '@maple/billing';
import { ComplianceModule } from '@maple/compliance';
import { HrModule } from '@maple/hr';
import { AiModule } from '@maple/ai';
import { BootstrapAdmin, IdentityModule } from '@maple/identity';
import { Database, DomainError, PlatformModule, describeDatabase } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { TenancyModule } from '@maple/tenancy';
import type { CliCommand } from '../main';

@Module({})
class ContextsCliModule {
  static register(config: AppConfig, database: Database): DynamicModule {
    // The same contexts (and so the same inline projections, audit included) as the API.
    return { module: ContextsCliModule, imports: [PlatformModule.forRoot({ config, database, ownsDatabase: false }), AuditModule, TenancyModule, IdentityModule, BillingModule, ComplianceModule, HrModule, AiModule] };
  }
}

/** Runs `fn` with the contexts' services (and their inline projections and invariants) over the configured database. */
export async function withContexts<T>(config: AppConfig, fn: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const db = await Database.open({ config, migrate: config.database.migrateOnStart });
  const app = await NestFactory.createApplicationContext(ContextsCliModule.register(config, db), { logger: false });
  try {
    return await fn(app);
  } finally {
    await app.close();
    await db.close();
  }
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export const users: CliCommand = {
  usage: 'users create-admin --email E --password P',
  summary: 'create a platform administrator (ADMIN with no company)',
  async run(args, config) {
    const [sub] = args;
    const email = flag(args, 'email');
    const password = flag(args, 'password') ?? config.cli.adminPassword;
    if (sub !== 'create-admin' || !email || !password) {
      process.stderr.write('Usage: npm run cli -- users create-admin --email <email> --password <password> [--name <name>]\n(or the password in MAPLE_ADMIN_PASSWORD, to keep it out of the shell history)\n');
      return 1;
    }
    try {
      const { id } = await withContexts(config, (app) => app.get(BootstrapAdmin).createPlatformAdmin(email, password, flag(args, 'name') ?? null));
      process.stdout.write(`Created platform administrator ${email} (${id}) in ${describeDatabase(config)}.\n`);
      return 0;
    } catch (e) {
      if (e instanceof DomainError) {
        process.stderr.write(`${e.code}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
};

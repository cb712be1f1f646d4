import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, commandMeta } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { UserCommands } from './user.commands';
import { UserQueries } from './user.queries';

/**
 * The first platform administrator: from BOOTSTRAP_ADMIN_EMAIL/PASSWORD at start (only while none
 * exists), or `npm run cli -- users create-admin`. There is no default password anywhere.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly log = new Logger('Identity');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(UserCommands) private readonly commands: UserCommands,
    @Inject(UserQueries) private readonly users: UserQueries,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { bootstrapAdminEmail: email, bootstrapAdminPassword: password } = this.config.auth;
    if (!email || !password || (await this.users.platformAdminExists())) return;
    await this.createPlatformAdmin(email, password, null);
    this.log.log(`Created the first platform administrator ${email} from BOOTSTRAP_ADMIN_EMAIL.`);
  }

  /** A platform administrator (ADMIN without a company). */
  createPlatformAdmin(email: string, password: string, name: string | null): Promise<{ id: string }> {
    return this.commands.register({ email, name, role: 'ADMIN', companyId: null, password }, commandMeta({ actorId: 'system:bootstrap', companyId: null }));
  }
}

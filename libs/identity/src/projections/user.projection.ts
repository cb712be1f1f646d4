import type { Projection, StoredEvent, Tx } from '@maple/platform';
import type { UserSignedIn } from '../domain/sign-in.events';
import type { UserEvent } from '../domain/user.events';

/** A user's stream; its events belong to the user's company (null for platform administrators). */
export const userStreamId = (userId: string) => `user-${userId}`;

const PROJECTED: (UserEvent | UserSignedIn)['type'][] = ['UserRegistered', 'UserRoleChanged', 'UserDeactivated', 'UserReactivated', 'PasswordChanged', 'UserSignedIn'];

// Inline: a new user can sign in, and a deactivated one cannot, from the very next request.
// Rebuildable from events alone: the seed's "password" column is never written (credentials
// live in user_credentials, outside the event store).
export const userProjection: Projection = {
  name: 'identity.users',
  handles: PROJECTED,
  tables: ['User'],
  async apply(tx: Tx, stored: StoredEvent): Promise<void> {
    const e = { type: stored.type, data: stored.data } as UserEvent | UserSignedIn;
    const actor = stored.metadata.actorId;
    const set = (sql: string, ...params: unknown[]) => tx.execute(`UPDATE "User" SET ${sql}, "updatedAt" = $2 WHERE id = $1`, e.data.userId, stored.recordedAt, ...params);
    switch (e.type) {
      case 'UserRegistered':
        // A user joining a company with a subscription is linked to it (the seed's User.subscriptionId).
        await tx.execute(
          `INSERT INTO "User" (id, email, name, role, "isActive", "companyId", "subscriptionId", "createdAt", "updatedAt", "createdBy", "updatedBy")
           VALUES ($1, $2, $3, $4::"UserRole", true, $5, (SELECT s.id FROM "Subscription" s WHERE s."companyId" = $5 LIMIT 1), $6, $6, $7, $7)
           ON CONFLICT (id) DO NOTHING`,
          e.data.userId,
          e.data.email,
          e.data.name,
          e.data.role,
          e.data.companyId,
          stored.recordedAt,
          actor,
        );
        return;
      case 'UserRoleChanged':
        await set(`role = $3::"UserRole", "updatedBy" = $4`, e.data.to, actor);
        return;
      case 'UserDeactivated':
      case 'UserReactivated':
        await set(`"isActive" = $3, "updatedBy" = $4`, e.type === 'UserReactivated', actor);
        return;
      case 'PasswordChanged':
        await set(`"updatedBy" = $3`, actor);
        return;
      case 'UserSignedIn':
        await tx.execute(`UPDATE "User" SET "lastLoginAt" = $2 WHERE id = $1`, e.data.userId, e.data.at);
        return;
      default:
        return;
    }
  },
};

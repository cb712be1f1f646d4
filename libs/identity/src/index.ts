/** Identity: users, passwords, sign-in, tokens, lockout. */
export { IdentityModule } from './identity.module';
export { AuthService } from './application/auth.service';
export type { TokenPair } from './application/auth.service';
export { UserCommands } from './application/user.commands';
export type { NewUser } from './application/user.commands';
export { UserQueries } from './application/user.queries';
export type { UserView } from './application/user.queries';
export { BootstrapAdmin } from './application/bootstrap-admin';
export { ARGON2_PARAMS, hashPassword } from './application/password-hasher';
export { IdentityError } from './domain/identity.errors';
export type { IdentityErrorCode } from './domain/identity.errors';
export { userDecider } from './domain/user.decider';
export type { LockoutPolicy, UserCommand, UserState } from './domain/user.decider';
export { USER_EVENT_TYPES } from './domain/user.events';
export type { UserEvent, SignInFailureReason } from './domain/user.events';
export { PASSWORD_MIN_LENGTH, passwordProblem } from './domain/password-policy';
export { userProjection, userStreamId } from './projections/user.projection';

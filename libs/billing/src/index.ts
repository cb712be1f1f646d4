/** Billing: subscriptions, tiers and the entitlements they grant. */
export { BillingModule } from './billing.module';
export { EntitlementsService } from './application/entitlements.service';
export type { CompanyPlan } from './application/entitlements.service';
export { SubscriptionCommands } from './application/subscription.commands';
export { BillingError } from './domain/billing.errors';
export type { BillingErrorCode } from './domain/billing.errors';
export { TIER_DEFAULTS, TIERS, MODULES, resolveEntitlements, validateFeatures } from './domain/entitlements';
export type {
  Entitlements,
  FeatureOverrides,
  Module as BillingModuleName,
  Tier,
} from './domain/entitlements';
export { subscriptionDecider } from './domain/subscription.decider';
export type { SubscriptionCommand, SubscriptionState } from './domain/subscription.decider';
export type { SubscriptionEvent, BillingCycle, SubscriptionStatus } from './domain/subscription.events';
export {
  subscriptionProjection,
  subscriptionStreamId,
  subscriptionIdFor,
} from './projections/subscription.projection';
export { RequiresModule, PlanEnforcementInterceptor } from './http/plan-enforcement.interceptor';

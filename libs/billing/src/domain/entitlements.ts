import { BillingError } from './billing.errors';

export const TIERS = ['TRIAL', 'STARTER', 'PROFESSIONAL', 'ENTERPRISE'] as const;
export type Tier = (typeof TIERS)[number];

export const MODULES = ['compliance', 'analytics', 'hr', 'workflow', 'ai'] as const;
export type Module = (typeof MODULES)[number];

export type Entitlements = {
  seats: number;
  apiRequestsPerMinute: number;
  modules: Record<Module, boolean>;
  /** Whether the company may change its own data-retention settings. */
  retentionSettings: boolean;
};

const modules = (...on: Module[]): Record<Module, boolean> =>
  Object.fromEntries(MODULES.map((m) => [m, on.includes(m)])) as Record<Module, boolean>;

// The documented defaults per tier (README "Billing"). HR from STARTER, AI and workflow from
// PROFESSIONAL, retention settings only in ENTERPRISE.
export const TIER_DEFAULTS: Record<Tier, Entitlements> = {
  TRIAL: {
    seats: 5,
    apiRequestsPerMinute: 60,
    modules: modules('compliance', 'analytics'),
    retentionSettings: false,
  },
  STARTER: {
    seats: 10,
    apiRequestsPerMinute: 300,
    modules: modules('compliance', 'analytics', 'hr'),
    retentionSettings: false,
  },
  PROFESSIONAL: {
    seats: 50,
    apiRequestsPerMinute: 1200,
    modules: modules('compliance', 'analytics', 'hr', 'workflow', 'ai'),
    retentionSettings: false,
  },
  ENTERPRISE: {
    seats: 1000,
    apiRequestsPerMinute: 6000,
    modules: modules(...MODULES),
    retentionSettings: true,
  },
};

export const TIER_RANK: Record<Tier, number> = { TRIAL: 0, STARTER: 1, PROFESSIONAL: 2, ENTERPRISE: 3 };

/** Per-company overrides of the tier defaults (enterprise deals). */
export type FeatureOverrides = Partial<Omit<Entitlements, 'modules'>> & {
  modules?: Partial<Record<Module, boolean>>;
};

function wholeNumber(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new BillingError(
      'BILLING.FEATURES_INVALID',
      `features.${field} must be a whole number of at least ${min}`,
      { field: `features.${field}` },
    );
  }
  return v;
}

/** Validates `features`: an unknown key or a wrong type is refused, never silently stored. */
export function validateFeatures(input: unknown): FeatureOverrides {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new BillingError('BILLING.FEATURES_INVALID', 'features must be an object', { field: 'features' });
  }
  const out: FeatureOverrides = {};
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'seats':
        out.seats = wholeNumber(value, key, 0);
        break;
      case 'apiRequestsPerMinute':
        out.apiRequestsPerMinute = wholeNumber(value, key, 1);
        break;
      case 'retentionSettings':
        if (typeof value !== 'boolean')
          throw new BillingError(
            'BILLING.FEATURES_INVALID',
            'features.retentionSettings must be true or false',
            { field: 'features.retentionSettings' },
          );
        out.retentionSettings = value;
        break;
      case 'modules': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new BillingError('BILLING.FEATURES_INVALID', 'features.modules must be an object', {
            field: 'features.modules',
          });
        }
        out.modules = {};
        for (const [m, on] of Object.entries(value)) {
          if (!(MODULES as readonly string[]).includes(m))
            throw new BillingError('BILLING.FEATURES_INVALID', `unknown module "${m}"`, {
              field: `features.modules.${m}`,
            });
          if (typeof on !== 'boolean')
            throw new BillingError(
              'BILLING.FEATURES_INVALID',
              `features.modules.${m} must be true or false`,
              { field: `features.modules.${m}` },
            );
          out.modules[m as Module] = on;
        }
        break;
      }
      default:
        throw new BillingError('BILLING.FEATURES_INVALID', `unknown feature "${key}"`, {
          field: `features.${key}`,
        });
    }
  }
  return out;
}

export function resolveEntitlements(
  tier: Tier,
  overrides: FeatureOverrides | null | undefined,
): Entitlements {
  const base = TIER_DEFAULTS[tier];
  return {
    seats: overrides?.seats ?? base.seats,
    apiRequestsPerMinute: overrides?.apiRequestsPerMinute ?? base.apiRequestsPerMinute,
    modules: { ...base.modules, ...(overrides?.modules ?? {}) },
    retentionSettings: overrides?.retentionSettings ?? base.retentionSettings,
  };
}

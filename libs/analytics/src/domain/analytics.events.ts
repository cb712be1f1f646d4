/** An accepted batch, sealed: its rows' digest enters the company's hash chain (one event per batch, not per row). */
export type AnalyticsBatchSealed = {
  type: 'AnalyticsBatchSealed';
  data: {
    batchId: string;
    events: number;
    quarantined: number;
    digest: string;
    firstAt: string | null;
    lastAt: string | null;
  };
};

/** A company's analytics settings: the time zone of its days and weeks, and a retention shorter than the global one. */
export type AnalyticsSettingsChanged = {
  type: 'AnalyticsSettingsChanged';
  data: { timeZone: string; retentionDays: number | null; by: string | null };
};

export type AnalyticsEvent = AnalyticsBatchSealed | AnalyticsSettingsChanged;

export const ANALYTICS_EVENT_TYPES: readonly AnalyticsEvent['type'][] = [
  'AnalyticsBatchSealed',
  'AnalyticsSettingsChanged',
];

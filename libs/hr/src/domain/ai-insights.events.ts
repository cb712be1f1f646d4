import type { DomainEvent } from '@maple/platform';

/** What an AI model read into a person's record, with the model version that produced it (sealed with the subject's key). */
export type AiInsightsRecorded = DomainEvent<'HrAiInsightsRecorded', { subjectId: string; modelVersion: string; aiInsights: Record<string, unknown>; recordedBy: string }>;

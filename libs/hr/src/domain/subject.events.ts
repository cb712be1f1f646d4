import type { DataSubjectErased, DomainEvent } from '@maple/platform';

/** A person's lifecycle as a data subject (stream data-subject-<id>): erasure and legal holds. */
export type SubjectEvent =
  | DomainEvent<'DataSubjectErasureRequested', { subjectId: string; requestId: string; by: string; erasureReason?: string }>
  | DomainEvent<'DataSubjectErasureRejected', { requestId: string; by: string }>
  | DomainEvent<'DataSubjectErasureApproved', { requestId: string; by: string }>
  | DataSubjectErased
  // A hold names a matter (a case reference), never personal data.
  | DomainEvent<'DataSubjectLegalHoldPlaced', { holdId: string; matter: string; by: string }>
  | DomainEvent<'DataSubjectLegalHoldReleased', { holdId: string; by: string }>;

export const SUBJECT_EVENT_TYPES: SubjectEvent['type'][] = [
  'DataSubjectErasureRequested',
  'DataSubjectErasureRejected',
  'DataSubjectErasureApproved',
  'DataSubjectErased',
  'DataSubjectLegalHoldPlaced',
  'DataSubjectLegalHoldReleased',
];

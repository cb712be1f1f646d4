import { given } from '@maple/platform';
import type { CommandMeta } from '@maple/platform';
import { complianceRecordDecider as d } from './compliance-record.decider';
import type { ComplianceRecordCommand, ReviewerRole } from './compliance-record.decider';
import type { ComplianceRecordEvent, ScreeningEvidence } from './compliance-record.events';

const meta = (actorId: string): CommandMeta => ({ commandId: 'c', now: new Date('2026-03-01T00:00:00Z'), actorId, companyId: 'co-1', correlationId: 'r' });
const risk = (score: number) => ({ score, model: 'rules-1', breakdown: [{ factor: 'base', points: score }] });
const created = (score = 20, screening: ScreeningEvidence | null = null): ComplianceRecordEvent => ({
  type: 'ComplianceRecordCreated',
  data: { recordId: 'r1', companyId: 'co-1', type: 'AML', data: { counterparty: 'x' }, metadata: null, createdBy: 'alice', risk: risk(score), screening, correctsRecordId: null },
});
const approve = (actor: string, role: ReviewerRole = 'COMPLIANCE_OFFICER'): ComplianceRecordCommand => ({ type: 'ApproveComplianceRecord', reason: 'ok', actorRole: role, highRiskThreshold: 70, meta: meta(actor) });
const screening = (hits: [string, number][]): ScreeningEvidence => ({
  listVersion: 'v1',
  matcherVersion: 'jw',
  matcherConfig: {},
  threshold: 0.9,
  hits: hits.map(([entryId, score]) => ({ entryId, name: entryId, matchedName: entryId, score, programs: ['SDGT'] })),
});

describe('compliance record decider', () => {
  it('creates a pending record with validated data, and flags it when screening hits', () => {
    const create = (data: unknown, s: ScreeningEvidence | null = null): ComplianceRecordCommand => ({ type: 'CreateComplianceRecord', recordId: 'r1', companyId: 'co-1', recordType: 'OFAC', data, risk: risk(10), screening: s, meta: meta('alice') });
    expect(given(d).when(create({ name: 'Acme', entityType: 'business' })).state()).toMatchObject({ status: 'pending', createdBy: 'alice' });
    expect(given(d).when(create({ name: 'X', entityType: 'person' }, screening([['123', 0.95]]))).state()).toMatchObject({ status: 'flagged' });
    given(d).when(create({ name: 'X', entityType: 'robot' })).thenThrows('COMPLIANCE.DATA_INVALID');
    given(d).when(create({ entityType: 'person' })).thenThrows('COMPLIANCE.DATA_INVALID');
  });

  it('refuses client metadata with keys only the server writes, and a correction of an unknown record', () => {
    const kyc = { subjectName: 'Ann', dateOfBirth: '1990-01-31', nationality: 'DE', documentType: 'passport', documentNumber: 'P1' };
    const create = (extra: Partial<ComplianceRecordCommand & { type: 'CreateComplianceRecord' }>): ComplianceRecordCommand => ({ type: 'CreateComplianceRecord', recordId: 'r2', companyId: 'co-1', recordType: 'KYC', data: kyc, risk: risk(10), screening: null, meta: meta('alice'), ...extra });
    for (const key of ['decisionReason', 'flagReason', 'lastScreening', 'openHits']) given(d).when(create({ metadata: { [key]: 'x' } })).thenThrows('COMPLIANCE.METADATA_INVALID');
    expect(given(d).when(create({ metadata: { source: 'onboarding' } })).state()).toMatchObject({ status: 'pending' });
    given(d).when(create({ correctsRecordId: 'r1', correctedRecordExists: false })).thenThrows('COMPLIANCE.CORRECTED_RECORD_UNKNOWN');
    given(d).when(create({ correctsRecordId: 'r1' })).thenThrows('COMPLIANCE.CORRECTED_RECORD_UNKNOWN');
    expect(given(d).when(create({ correctsRecordId: 'r1', correctedRecordExists: true })).state()).toMatchObject({ exists: true });
  });

  it('never lets the creator review (four-eyes)', () => {
    given(d, [created()]).when(approve('alice')).thenThrows('COMPLIANCE.SELF_REVIEW');
    given(d, [created()]).when({ type: 'RejectComplianceRecord', reason: 'x', actorRole: 'COMPLIANCE_OFFICER', meta: meta('alice') }).thenThrows('COMPLIANCE.SELF_REVIEW');
  });

  it('approves a normal-risk record with one review by an officer or admin', () => {
    given(d, [created(20)]).when(approve('bob')).then([{ type: 'ComplianceRecordApproved', data: { by: 'bob', reason: 'ok', approvers: ['bob'] } }]);
    given(d, [created(20)]).when(approve('root', 'ADMIN')).then([{ type: 'ComplianceRecordApproved', data: { by: 'root', reason: 'ok', approvers: ['root'] } }]);
    given(d, [created(20)]).when(approve('eve', 'ANALYST')).thenThrows('COMPLIANCE.REVIEWER_NOT_ALLOWED');
  });

  it('needs two approvals by two different compliance officers at or above the threshold', () => {
    given(d, [created(70)]).when(approve('bob')).then([{ type: 'ComplianceRecordApprovalGranted', data: { by: 'bob', reason: 'ok', approvalsNeeded: 2 } }]);
    const once: ComplianceRecordEvent = { type: 'ComplianceRecordApprovalGranted', data: { by: 'bob', reason: 'ok', approvalsNeeded: 2 } };
    expect(given(d, [created(70)]).when(approve('bob')).state().status).toBe('pending');
    given(d, [created(70), once]).when(approve('bob')).thenThrows('COMPLIANCE.SECOND_APPROVAL_REQUIRED_BY_OTHER_OFFICER');
    given(d, [created(70), once]).when(approve('root', 'ADMIN')).thenThrows('COMPLIANCE.REVIEWER_NOT_ALLOWED');
    given(d, [created(70), once]).when(approve('carol')).then([{ type: 'ComplianceRecordApproved', data: { by: 'carol', reason: 'ok', approvers: ['bob', 'carol'] } }]);
  });

  it('treats approved and rejected as final', () => {
    const approved: ComplianceRecordEvent = { type: 'ComplianceRecordApproved', data: { by: 'bob', reason: 'ok', approvers: ['bob'] } };
    const rejected: ComplianceRecordEvent = { type: 'ComplianceRecordRejected', data: { by: 'bob', reason: 'no' } };
    given(d, [created(), rejected]).when(approve('carol')).thenThrows('COMPLIANCE.TRANSITION_NOT_ALLOWED');
    given(d, [created(), approved]).when({ type: 'RejectComplianceRecord', reason: 'x', actorRole: 'COMPLIANCE_OFFICER', meta: meta('carol') }).thenThrows('COMPLIANCE.TRANSITION_NOT_ALLOWED');
    given(d, [created(), approved]).when({ type: 'FlagComplianceRecord', reason: 'x', actorRole: 'COMPLIANCE_OFFICER', meta: meta('carol') }).thenThrows('COMPLIANCE.TRANSITION_NOT_ALLOWED');
  });

  it('moves flagged records to approved or rejected', () => {
    const flagged: ComplianceRecordEvent = { type: 'ComplianceRecordFlagged', data: { by: 'bob', reason: 'odd' } };
    given(d, [created(), flagged]).when({ type: 'RejectComplianceRecord', reason: 'confirmed', actorRole: 'COMPLIANCE_OFFICER', meta: meta('bob') }).then([{ type: 'ComplianceRecordRejected', data: { by: 'bob', reason: 'confirmed' } }]);
    given(d, [created(), flagged]).when({ type: 'FlagComplianceRecord', reason: 'again', actorRole: 'COMPLIANCE_OFFICER', meta: meta('bob') }).thenThrows('COMPLIANCE.TRANSITION_NOT_ALLOWED');
  });

  it('re-screening flags new hits only, never the ones a reviewer cleared', () => {
    const withHit = created(90, screening([['123', 0.95]]));
    const flagged: ComplianceRecordEvent = { type: 'ComplianceRecordFlagged', data: { by: 'system', reason: 'hit' } };
    const a1: ComplianceRecordEvent = { type: 'ComplianceRecordApprovalGranted', data: { by: 'bob', reason: 'false positive', approvalsNeeded: 2 } };
    const a2: ComplianceRecordEvent = { type: 'ComplianceRecordApproved', data: { by: 'carol', reason: 'false positive', approvers: ['bob', 'carol'] } };
    // Same list entry again after a new snapshot: already cleared, so no new hit and no flag.
    const again = { ...screening([['123', 0.96]]), listVersion: 'v2' };
    given(d, [withHit, flagged, a1, a2]).when({ type: 'RescreenComplianceRecord', screening: again, meta: meta('system') }).then([{ type: 'ComplianceRecordRescreened', data: { screening: again, newHits: [] } }]);
    // The sweep run twice on the same list version decides nothing the second time.
    const rescreened: ComplianceRecordEvent = { type: 'ComplianceRecordRescreened', data: { screening: again, newHits: [] } };
    given(d, [withHit, flagged, a1, a2, rescreened]).when({ type: 'RescreenComplianceRecord', screening: again, meta: meta('system') }).then([]);
    // A new entry on a pending record: recorded and flagged.
    const fresh = { ...screening([['999', 0.97]]), listVersion: 'v2' };
    given(d, [created(10)]).when({ type: 'RescreenComplianceRecord', screening: fresh, meta: meta('system') }).then([
      { type: 'ComplianceRecordRescreened', data: { screening: fresh, newHits: ['999'] } },
      { type: 'ComplianceRecordFlagged', data: { by: 'system', reason: 're-screening on list v2: new hit(s) 999', screening: fresh } },
    ]);
    // On an approved record the new hit is recorded; the status stays final.
    expect(given(d, [withHit, flagged, a1, a2]).when({ type: 'RescreenComplianceRecord', screening: fresh, meta: meta('system') }).state().status).toBe('approved');
  });
});

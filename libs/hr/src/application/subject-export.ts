import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Database, PersonalData } from '@maple/platform';
import type { ReadContext } from '@maple/platform';
import { AuditService, verifyClaim } from '@maple/audit';
import { hrRecordStreamId } from '../projections/hr-record.projection';
import { subjectStreamId } from '../projections/hr-subject.projection';
import { recordsOf } from '../queries/hr-records.query';
import { presentRecords, today } from '../queries/hr-view';
import { HrSubjects } from './subjects.commands';

export type SubjectExportResult = { valid: true; lines: number; sha256: string } | { valid: false; reason: string };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A subject access request: everything Maple holds about a person, as NDJSON: a header, their
 * HR records (decrypted, aiInsights included), the events of those records and of the person
 * (decrypted), and the audit rows about them; then a signature line. The signature is the audit
 * key's (Ed25519, as on checkpoints) over a claim whose `headHash` is the SHA-256 of every line
 * before it, so the file verifies offline with the key from GET /audit/public-key.
 */
@Injectable()
export class SubjectAccessExport {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(PersonalData) private readonly personal: PersonalData,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(HrSubjects) private readonly subjects: HrSubjects,
  ) {}

  async export(companyId: string, subjectId: string, reader: Omit<ReadContext, 'levels' | 'entity' | 'withoutPurpose'>): Promise<string> {
    await this.subjects.assertKnown(companyId, subjectId);
    const exportedAt = new Date().toISOString();
    // The person is entitled to all of it: every field in full, and the read is on record.
    const ctx: ReadContext = { ...reader, purpose: reader.purpose ?? 'subject access request', levels: 'all', withoutPurpose: 'refuse', entity: { type: 'DataSubject', id: subjectId } };
    const body = await this.db.transaction(
      async (tx) => {
        const rows = await recordsOf(tx, companyId, { subjectIds: [subjectId] });
        const streams = [...rows.map((r) => hrRecordStreamId(r.id)), subjectStreamId(subjectId)];
        const records = await presentRecords(tx, this.personal.reader, { ...ctx, asOf: today() }, rows);
        const events = await tx.query<Record<string, unknown>>(
          `SELECT stream_id AS "streamId", version, type, data, metadata->>'actorId' AS "actorId", to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "recordedAt"
             FROM events WHERE company_id = $1 AND stream_id = ANY($2::text[]) ORDER BY events.position`,
          companyId,
          streams,
        );
        const audit = await tx.query<Record<string, unknown>>(
          `SELECT id, action, "entityType", "entityId", "userId", changes, "ipAddress", to_char("timestamp", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "timestamp"
             FROM "AuditLog" WHERE "companyId" = $1 AND ("entityId" = ANY($2::text[]) OR ("entityType" = 'DataSubject' AND "entityId" = $3))
            ORDER BY "timestamp", id`,
          companyId,
          streams,
          subjectId,
        );
        const revealed = await this.personal.reader.reveal(tx, ctx, companyId, { events, audit });
        return [
          { kind: 'subject', companyId, subjectId, exportedAt, exportedBy: reader.viewer.userId },
          ...records.map((r) => ({ kind: 'record', ...r })),
          ...revealed.events.map((e) => ({ kind: 'event', ...e })),
          ...revealed.audit.map((a) => ({ kind: 'audit', ...a })),
        ]
          .map((l) => JSON.stringify(l) + '\n')
          .join('');
      },
      { companyId },
    );
    const claim = { companyId, position: `subject:${subjectId}`, headHash: sha256(body), signedAt: exportedAt };
    const signer = this.audit.signer;
    return body + JSON.stringify({ kind: 'signature', ...claim, signature: signer.sign(claim), keyId: signer.keyId, publicKey: signer.publicKeyPem }) + '\n';
  }
}

/** Checks a subject access export offline: the digest of its lines and the signature over it. */
export function verifySubjectExport(ndjson: string, publicKeyPem: string): SubjectExportResult {
  const lines = ndjson.split('\n').filter((l) => l !== '');
  const last = lines.pop();
  if (!last) return { valid: false, reason: 'EMPTY: no lines' };
  let sig: { kind?: string; companyId: string; position: string; headHash: string; signedAt: string; signature: string };
  try {
    sig = JSON.parse(last) as typeof sig;
  } catch {
    return { valid: false, reason: 'MALFORMED: the last line is not JSON' };
  }
  if (sig.kind !== 'signature') return { valid: false, reason: 'NO_SIGNATURE: the export does not end with its signature' };
  const digest = sha256(lines.map((l) => l + '\n').join(''));
  if (digest !== sig.headHash) return { valid: false, reason: 'DIGEST_MISMATCH: the lines were changed after signing' };
  const claim = { companyId: sig.companyId, position: sig.position, headHash: sig.headHash, signedAt: sig.signedAt };
  if (!verifyClaim(publicKeyPem, claim, sig.signature)) return { valid: false, reason: 'SIGNATURE_INVALID: not signed by this public key' };
  return { valid: true, lines: lines.length, sha256: digest };
}

import { Inject, Injectable } from '@nestjs/common';
import { Database, PersonalData } from '@maple/platform';
import type { Tx } from '@maple/platform';
import { HrError } from '../domain/hr.errors';
import { sealedName } from '../domain/hr-fields';
import { lookupForm } from '../domain/hr-privacy';
import { directReports, getHrRecord, listHrRecords, recordsOf, scheduledChanges } from './hr-records.query';
import type { HrRecordRow, ListFilter } from './hr-records.query';
import { presentRecords } from './hr-view';
import type { HrRecordView, ViewRequest } from './hr-view';

/** HR reads: rows of the caller's company, presented through the field matrix and the platform reader. */
@Injectable()
export class HrReads {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(PersonalData) private readonly personal: PersonalData,
  ) {}

  private in<T>(companyId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(fn, { companyId });
  }

  private present(tx: Tx, req: ViewRequest, rows: readonly HrRecordRow[]): Promise<HrRecordView[]> {
    return presentRecords(tx, this.personal.reader, req, rows);
  }

  async one(companyId: string, id: string, req: ViewRequest): Promise<HrRecordView & { scheduledChanges?: { field: string; effectiveDate: string }[] }> {
    return this.in(companyId, async (tx) => {
      const row = await getHrRecord(tx, companyId, id);
      if (!row) throw new HrError('HR.RECORD_NOT_FOUND', 'No such HR record.');
      const [view] = await this.present(tx, req, [row]);
      return row.type === 'employee' ? { ...view, scheduledChanges: await scheduledChanges(tx, companyId, id, req.asOf) } : view;
    });
  }

  /** The record as the answer to a write: sensitive fields only when the write carried a purpose. */
  afterWrite(companyId: string, id: string, req: ViewRequest): Promise<HrRecordView> {
    return this.one(companyId, id, { ...req, withoutPurpose: 'withhold' });
  }

  async list(companyId: string, f: ListFilter, req: ViewRequest): Promise<{ items: HrRecordView[]; nextCursor: string | null }> {
    return this.in(companyId, async (tx) => {
      const page = await listHrRecords(tx, companyId, f);
      return { items: await this.present(tx, req, page.items), nextCursor: page.nextCursor };
    });
  }

  /** The caller's own records: their employment, and reviews about them. */
  async mine(companyId: string, req: ViewRequest): Promise<{ items: HrRecordView[] }> {
    return this.in(companyId, async (tx) => {
      const own = await recordsOf(tx, companyId, { userId: req.viewer.userId });
      const subjects = [...new Set(own.map((r) => r.subjectId))];
      const all = subjects.length ? await recordsOf(tx, companyId, { subjectIds: subjects }) : [];
      // A candidacy is HR's, not the employee's: only the employment and its reviews.
      return { items: await this.present(tx, req, all.filter((r) => r.type !== 'candidate')) };
    });
  }

  /** The employees the caller currently manages. */
  async reports(companyId: string, req: ViewRequest): Promise<{ items: HrRecordView[] }> {
    return this.in(companyId, async (tx) => ({ items: await this.present(tx, req, await directReports(tx, companyId, req.viewer.userId, req.asOf)) }));
  }

  /** Exact lookup on an encrypted field, through the company's keyed blind index. */
  async lookup(companyId: string, field: 'email' | 'nationalId', value: string, req: ViewRequest): Promise<{ items: HrRecordView[] }> {
    return this.in(companyId, async (tx) => {
      const normalised = lookupForm(field, value);
      const subjects = normalised ? await this.personal.reader.lookup(tx, companyId, sealedName(field), normalised) : [];
      return { items: subjects.length ? await this.present(tx, req, await recordsOf(tx, companyId, { subjectIds: subjects })) : [] };
    });
  }
}

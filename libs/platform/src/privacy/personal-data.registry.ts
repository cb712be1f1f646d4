import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/database';
import type { FieldRule, Relation } from './field-access';
import { isFieldName } from './sealed-value';

/** A field of an event's data that holds personal data, sealed before the event is stored. */
export type SealedPath = {
  /** Dot path inside the event's data, e.g. `data.nationalId` or `changes.salary`. */
  path: string;
  /** The field's name everywhere (events, read tables, policy), e.g. `hr/nationalId`. */
  field: string;
  /** Also kept as a keyed digest for exact lookups, normalised this way (never an unkeyed hash). */
  lookup?: (value: unknown) => string | null;
  /** Only in events whose data passes this (e.g. one record type of several sharing an event type). */
  when?: (data: unknown) => boolean;
};

/** What the platform must do with one event type's data before it is stored. */
export type EventPrivacy = {
  /** Dot path of the data subject's id inside the data. */
  subject: string;
  fields: SealedPath[];
  /** The event erases its subject: the key is destroyed in the same transaction (crypto-shredding). */
  erases?: boolean;
  /**
   * The command creating this event also created its subject (a new random id), so no key can
   * exist yet: the key is then written in the append's own statement instead of one of its own.
   */
  freshSubject?: (data: unknown) => boolean;
};

/** A read of personal data by a person, for the PII access log (audit VIEW rows). */
export type PersonalDataView = {
  companyId: string;
  subjectId: string;
  userId: string;
  fields: string[];
  purpose: string;
  breakGlass: boolean;
  entityType: string;
  entityId: string;
  ip: string | null;
  userAgent: string | null;
};

export type AccessLogSink = (tx: Tx, views: PersonalDataView[]) => Promise<void>;

/** Who the viewer is to each subject (SELF, MANAGER), as the context owning the fields knows it. */
export type RelationResolver = (tx: Tx, viewerUserId: string, companyId: string, subjectIds: readonly string[]) => Promise<Map<string, Relation[]>>;

/**
 * What every context declares about personal data, in one place: which event fields are sealed
 * and whose they are, the field-access rules of each field, who relates to a subject how, and
 * where reads are logged. Contexts register at start-up, as they register projections.
 */
@Injectable()
export class PersonalDataRegistry {
  private readonly events = new Map<string, EventPrivacy>();
  private readonly rules = new Map<string, FieldRule>();
  private readonly relations: { prefix: string; resolve: RelationResolver }[] = [];
  private accessLog: AccessLogSink | null = null;

  constructor() {
    // The platform's own erasure event: it names the subject and holds nothing personal.
    this.registerEvent('DataSubjectErased', { subject: 'subjectId', fields: [], erases: true });
  }

  registerEvent(type: string, privacy: EventPrivacy): this {
    for (const f of privacy.fields) if (!isFieldName(f.field)) throw new Error(`${type}: "${f.field}" is not a field name like ctx/name`);
    this.events.set(type, privacy);
    return this;
  }

  eventPrivacy(type: string): EventPrivacy | undefined {
    return this.events.get(type);
  }

  /** Field rules by field name (`hr/salary`); a field registered twice keeps the last rules. */
  registerFields(rules: Record<string, FieldRule>): this {
    for (const [name, rule] of Object.entries(rules)) {
      if (!isFieldName(name)) throw new Error(`"${name}" is not a field name like ctx/name`);
      this.rules.set(name, rule);
    }
    return this;
  }

  fieldRule(field: string): FieldRule | undefined {
    return this.rules.get(field);
  }

  /** Relations for the fields whose name starts with `prefix` (e.g. `hr/`). */
  registerRelations(prefix: string, resolve: RelationResolver): this {
    if (!this.relations.some((r) => r.prefix === prefix)) this.relations.push({ prefix, resolve });
    return this;
  }

  relationResolvers(fields: Iterable<string>): RelationResolver[] {
    const names = [...fields];
    return this.relations.filter((r) => names.some((f) => f.startsWith(r.prefix))).map((r) => r.resolve);
  }

  setAccessLog(sink: AccessLogSink): void {
    this.accessLog = sink;
  }

  accessLogSink(): AccessLogSink | null {
    return this.accessLog;
  }
}

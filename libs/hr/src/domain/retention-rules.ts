import type { PurgeCandidate, RetentionPolicy } from './retention.events';

/** What the retention rules need of a record (no personal data). */
export type RetentionFacts = {
  subjectId: string;
  type: 'candidate' | 'employee' | 'performance';
  status: string;
  lastActivityAt: Date;
  consentUntil: string | null;
  terminatedOn: string | null;
};

function plusYears(d: Date, years: number): Date {
  const out = new Date(d);
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
}

/**
 * The people whose HR data has outlived its retention: every candidacy 2 years (or the company's
 * period) after its last activity, unless the candidate consented to longer, and every
 * employment N years after its termination. A person is due only when all their candidate and
 * employee records are; a hired candidacy counts through the employment. Reviews follow the
 * employment they belong to.
 */
export function dueSubjects(records: readonly RetentionFacts[], policy: RetentionPolicy, now: Date): PurgeCandidate[] {
  const bySubject = new Map<string, RetentionFacts[]>();
  for (const r of records) bySubject.set(r.subjectId, [...(bySubject.get(r.subjectId) ?? []), r]);
  const due: PurgeCandidate[] = [];
  for (const [subjectId, rs] of bySubject) {
    const governing = rs.filter((r) => r.type === 'employee' || (r.type === 'candidate' && r.status !== 'hired'));
    if (!governing.length) continue;
    const verdicts = governing.map((r) => {
      if (r.type === 'employee') {
        if (r.status !== 'terminated' || !r.terminatedOn) return null;
        return plusYears(new Date(`${r.terminatedOn}T00:00:00Z`), policy.employeeYears) <= now ? `employee: ${policy.employeeYears} years after termination` : null;
      }
      if (r.consentUntil && new Date(`${r.consentUntil}T23:59:59Z`) > now) return null;
      return plusYears(r.lastActivityAt, policy.candidateYears) <= now ? `candidate: ${policy.candidateYears} years after last activity` : null;
    });
    if (verdicts.some((v) => v === null)) continue;
    const last = new Date(Math.max(...governing.map((r) => r.lastActivityAt.getTime())));
    const employee = governing.some((r) => r.type === 'employee');
    due.push({ subjectId, recordType: employee ? 'employee' : 'candidate', lastActivityAt: last.toISOString(), rule: [...new Set(verdicts)].join('; ') });
  }
  return due.sort((a, b) => a.lastActivityAt.localeCompare(b.lastActivityAt) || a.subjectId.localeCompare(b.subjectId));
}

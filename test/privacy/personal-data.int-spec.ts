import { randomUUID } from 'node:crypto';
import { MARKERS, listErasures, reapplyErasures, rotateKek } from '@maple/platform';
import type { PersonalDataView, ReadContext } from '@maple/platform';
import { describeEachDatabase } from '../support/databases';
import { meta } from '../event-store/toy-account';
import { kek, personDecider, personalData, toyRegistry, toyRunner } from './toy-person';

const CO = 'company-a';
const stream = (subjectId: string) => ({ id: `person-${subjectId}`, type: 'ToyPerson', companyId: CO });
const read = (role: ReadContext['viewer']['role'], extra: Partial<ReadContext> = {}): ReadContext => ({ viewer: { userId: 'u-1', role }, withoutPurpose: 'refuse', entity: { type: 'ToyPerson', id: 'x' }, ...extra });

// The platform's personal-data machinery against the real databases: what is stored, who reads
// what, and what erasure and key rotation leave behind.
describeEachDatabase('personal data: sealing, reading, erasure and KEK rotation', (ctx) => {
  const views: PersonalDataView[] = [];
  const k1 = kek('k1');
  const k2 = kek('k2');
  const personal = personalData(toyRegistry(views), [k1]);
  const runner = () => toyRunner(ctx().db, personal);
  const save = (subjectId: string, email = 'Ada@Example.test', nationalId = '756.1234.5678.97') =>
    runner().run(personDecider, stream(subjectId), { type: 'SavePerson', subjectId, email, nationalId, city: 'Basel', meta: meta(CO) });
  const profileOf = async (subjectId: string) => {
    const [e] = await ctx().superuser(`SELECT event_id::text AS id, data FROM events WHERE stream_id = $1 ORDER BY version LIMIT 1`, [`person-${subjectId}`]);
    return { eventId: String(e.id), profile: (e.data as { profile: Record<string, string> }).profile };
  };
  const tx = <T>(fn: (t: import('@maple/platform').Tx) => Promise<T>) => ctx().db.transaction(fn, { companyId: CO });

  it('stores no plaintext of a personal field: each is a versioned ciphertext bound to its event', async () => {
    const s = randomUUID();
    await save(s);
    const raw = JSON.stringify(await ctx().superuser(`SELECT data, metadata FROM events WHERE stream_id = $1`, [`person-${s}`]));
    expect(raw).not.toMatch(/Ada@Example|756\.1234/i);
    const { eventId, profile } = await profileOf(s);
    expect(profile.city).toBe('Basel');
    expect(profile.email).toMatch(new RegExp(`^mpl1\\.1\\.${s}\\.toy/email\\.${eventId}\\.[A-Za-z0-9_-]+$`));
    // Not a deterministic encryption: the same value sealed again differs.
    const t = randomUUID();
    await save(t);
    expect((await profileOf(t)).profile.email.split('.').pop()).not.toBe(profile.email.split('.').pop());
  });

  it('refuses to move a ciphertext to another subject, field or company', async () => {
    const a = randomUUID();
    const b = randomUUID();
    await save(a);
    await save(b, 'bo@example.test', '756.9999.0000.11');
    const { profile } = await profileOf(a);
    expect(await tx((t) => personal.reader.open(t, CO, profile.nationalId, { subjectId: a, field: 'toy/nationalId' }))).toBe('756.1234.5678.97');
    await expect(tx((t) => personal.reader.open(t, CO, profile.nationalId, { subjectId: b }))).rejects.toMatchObject({ code: 'PRIVACY.CIPHERTEXT_MISPLACED' });
    await expect(tx((t) => personal.reader.open(t, CO, profile.nationalId, { subjectId: a, field: 'toy/email' }))).rejects.toMatchObject({ code: 'PRIVACY.CIPHERTEXT_MISPLACED' });
    // Rewriting the claims inside the string breaks the authentication tag.
    const forged = profile.nationalId.replace(a, b);
    await expect(tx((t) => personal.reader.open(t, CO, forged, { subjectId: b }))).rejects.toMatchObject({ code: 'PRIVACY.CIPHERTEXT_MISPLACED' });
    // Another company cannot open it: the wrapped key copied there does not unwrap (its wrapping
    // names the company), and the value itself names the company too (sealed-value.spec.ts).
    await ctx().superuser(`INSERT INTO privacy_data_keys SELECT 'company-b', subject_id, version, wrapped_key, kek_id FROM privacy_data_keys WHERE company_id = $1 AND subject_id = $2`, [CO, a]);
    await expect(ctx().db.transaction((t) => personal.reader.open(t, 'company-b', profile.nationalId, { subjectId: a }), { companyId: 'company-b' })).rejects.toMatchObject({ code: 'PRIVACY.KEY_UNREADABLE' });
    await ctx().superuser(`SET session_replication_role = replica`);
    await ctx().superuser(`DELETE FROM privacy_data_keys WHERE company_id = 'company-b'`).finally(() => ctx().superuser(`SET session_replication_role = origin`));
    // Where a read path knows the place, a misplaced value reads as unreadable, never as the value.
    const [moved] = await tx((t) => personal.reader.revealItems(t, read('HR_MANAGER', { purpose: 'payroll' }), CO, [{ sealed: profile.nationalId, expect: { subjectId: b, field: 'toy/nationalId' } }]));
    expect(moved).toBe(MARKERS.unreadable);
  });

  it('shows each viewer the level the field rules give, and needs a purpose for sensitive fields', async () => {
    const s = randomUUID();
    await save(s);
    const { profile } = await profileOf(s);
    const as = (c: ReadContext) => tx((t) => personal.reader.reveal(t, c, CO, profile));
    await expect(as(read('HR_MANAGER'))).rejects.toMatchObject({ code: 'PRIVACY.PURPOSE_REQUIRED', details: { fields: ['toy/nationalId'] } });
    expect(await as(read('HR_MANAGER', { withoutPurpose: 'withhold' }))).toEqual({ email: 'Ada@Example.test', nationalId: MARKERS.purposeRequired, city: 'Basel' });
    views.length = 0;
    expect(await as(read('HR_MANAGER', { purpose: 'payroll check' }))).toEqual({ email: 'Ada@Example.test', nationalId: '756.1234.5678.97', city: 'Basel' });
    expect(await as(read('ADMIN', { purpose: 'audit' }))).toEqual({ email: 'Ada@Example.test', nationalId: '************8.97', city: 'Basel' });
    expect(await as(read('VIEWER', { purpose: 'curious' }))).toEqual({ email: MARKERS.hidden, nationalId: MARKERS.hidden, city: 'Basel' });
    expect(views.map((v) => [v.userId, v.subjectId, v.fields, v.purpose, v.breakGlass])).toEqual([
      ['u-1', s, ['toy/email', 'toy/nationalId'], 'payroll check', false],
      ['u-1', s, ['toy/email', 'toy/nationalId'], 'audit', false],
    ]);
    // The relation SELF comes from the context's resolver: the subject's own user sees the masked id.
    const self = `self-${randomUUID()}`;
    await save(self);
    const own = (await profileOf(self)).profile;
    expect(await tx((t) => personal.reader.reveal(t, { ...read('USER', { purpose: 'my profile' }), viewer: { userId: self.slice(5), role: 'USER' } }, CO, own))).toMatchObject({ email: 'Ada@Example.test', nationalId: '************8.97' });
    expect(await tx((t) => personal.reader.reveal(t, read('USER', { purpose: 'x' }), CO, own))).toMatchObject({ email: MARKERS.hidden, nationalId: MARKERS.hidden });
  });

  it('finds a subject by an exact e-mail through the keyed blind index, which is not in the events', async () => {
    const s = randomUUID();
    await save(s, `  Find.Me.${s}@Example.test `);
    expect(await tx((t) => personal.reader.lookup(t, CO, 'toy/email', `find.me.${s}@example.test`))).toEqual([s]);
    expect(await tx((t) => personal.reader.lookup(t, CO, 'toy/email', `nobody@example.test`))).toEqual([]);
    const [{ n }] = await ctx().superuser(`SELECT count(*)::int AS n FROM privacy_blind_index WHERE subject_id = $1`, [s]);
    expect(n).toBe(1);
  });

  it('erases by destroying the key: values read as [erased], and the key can never be created again', async () => {
    const s = randomUUID();
    await save(s);
    const { profile } = await profileOf(s);
    await runner().run(personDecider, stream(s), { type: 'ErasePerson', subjectId: s, meta: meta(CO) });
    expect(await ctx().superuser(`SELECT count(*)::int AS n FROM privacy_data_keys WHERE subject_id = $1`, [s])).toEqual([{ n: 0 }]);
    expect(await ctx().superuser(`SELECT count(*)::int AS n FROM privacy_blind_index WHERE subject_id = $1`, [s])).toEqual([{ n: 0 }]);
    expect(await tx((t) => personal.reader.reveal(t, read('HR_MANAGER', { purpose: 'x' }), CO, profile))).toEqual({ email: MARKERS.erased, nationalId: MARKERS.erased, city: 'Basel' });
    await expect(save(s)).rejects.toMatchObject({ code: 'PRIVACY.SUBJECT_ERASED' });
    // Not through the application, not even directly as the application role.
    await expect(tx((t) => t.execute(`INSERT INTO privacy_data_keys (company_id, subject_id, wrapped_key, kek_id) VALUES ($1, $2, '\\x00', 'k1')`, CO, s))).rejects.toMatchObject({ code: 'MP001' });
    // The tombstone is permanent, even for the owner.
    await expect(ctx().superuser(`DELETE FROM privacy_erasures WHERE subject_id = $1`, [s])).rejects.toThrow(/permanent/);
    await expect(ctx().superuser(`UPDATE privacy_erasures SET reason = 'x' WHERE subject_id = $1`, [s])).rejects.toThrow(/permanent/);
    // And no key goes away without an erasure.
    const other = randomUUID();
    await save(other);
    await expect(ctx().superuser(`DELETE FROM privacy_data_keys WHERE subject_id = $1`, [other])).rejects.toThrow(/only by erasing/);
  });

  it('rewraps every data key on KEK rotation, and every record still reads with the old KEK removed', async () => {
    const subjects = [randomUUID(), randomUUID(), randomUUID()];
    for (const s of subjects) await save(s);
    const both = personalData(toyRegistry(), [k2, k1]);
    const report = await rotateKek(ctx().db, both.ring);
    expect(report.kekId).toBe('k2');
    expect(report.dataKeys).toBeGreaterThanOrEqual(3);
    expect(await ctx().superuser(`SELECT DISTINCT kek_id FROM privacy_data_keys`)).toEqual([{ kek_id: 'k2' }]);
    const onlyNew = personalData(toyRegistry(), [k2]);
    for (const s of subjects) {
      const { profile } = await profileOf(s);
      expect(await tx((t) => onlyNew.reader.reveal(t, read('HR_MANAGER', { purpose: 'rotation check' }), CO, profile))).toEqual({ email: 'Ada@Example.test', nationalId: '756.1234.5678.97', city: 'Basel' });
    }
    expect(await rotateKek(ctx().db, onlyNew.ring)).toEqual({ kekId: 'k2', dataKeys: 0, indexKeys: 0 });
  });

  it('re-applies erasures after a restore from a backup taken before them, and then refuses the key again', async () => {
    const p = personalData(toyRegistry(), [k2, k1]);
    const s = randomUUID();
    await toyRunner(ctx().db, p).run(personDecider, stream(s), { type: 'SavePerson', subjectId: s, email: 'eve@example.test', nationalId: '1234', city: 'Bern', meta: meta(CO) });
    const backup = await ctx().superuser(`SELECT company_id, subject_id, version, encode(wrapped_key, 'hex') AS w, kek_id FROM privacy_data_keys WHERE subject_id = $1`, [s]);
    await toyRunner(ctx().db, p).run(personDecider, stream(s), { type: 'ErasePerson', subjectId: s, meta: meta(CO) });
    // The erasure ledger is kept outside the backups.
    const ledger = (await listErasures(ctx().db)).filter((t) => t.subjectId === s);
    expect(ledger).toEqual([expect.objectContaining({ companyId: CO, subjectId: s })]);
    // The restore, as pg_restore --disable-triggers would leave these tables: the old key is back,
    // the tombstone and the erasure event are not (the backup predates them).
    await ctx().superuser(`SET session_replication_role = replica`);
    try {
      await ctx().superuser(`DELETE FROM privacy_erasures WHERE subject_id = $1`, [s]);
      await ctx().superuser(`INSERT INTO privacy_data_keys (company_id, subject_id, version, wrapped_key, kek_id) VALUES ($1, $2, $3, decode($4, 'hex'), $5)`, [backup[0].company_id, s, backup[0].version, backup[0].w, backup[0].kek_id]);
      await ctx().superuser(`DELETE FROM events WHERE type = 'DataSubjectErased' AND data->>'subjectId' = $1`, [s]);
    } finally {
      await ctx().superuser(`SET session_replication_role = origin`);
    }
    const { profile } = await profileOf(s);
    expect(await tx((t) => p.reader.reveal(t, read('HR_MANAGER', { purpose: 'restore check' }), CO, profile))).toMatchObject({ email: 'eve@example.test' });

    const report = await reapplyErasures(ctx().db, ledger);
    expect(report).toMatchObject({ tombstonesRestored: 1, keysDestroyed: 1 });
    expect(await tx((t) => p.reader.reveal(t, read('HR_MANAGER', { purpose: 'restore check' }), CO, profile))).toMatchObject({ email: MARKERS.erased, nationalId: MARKERS.erased });
    await expect(toyRunner(ctx().db, p).run(personDecider, stream(s), { type: 'SavePerson', subjectId: s, email: 'eve@example.test', nationalId: '1', city: 'Bern', meta: meta(CO) })).rejects.toMatchObject({
      code: 'PRIVACY.SUBJECT_ERASED',
    });
    // Running it again changes nothing.
    expect(await reapplyErasures(ctx().db, ledger)).toMatchObject({ tombstonesRestored: 0, keysDestroyed: 0 });
  });
});

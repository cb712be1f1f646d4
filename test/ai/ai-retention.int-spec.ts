import { describeEachDatabase } from '../support/databases';

// The prediction log's retention (EU AI Act Art. 19: at least six months): the purge refuses a
// shorter period, deletes what is older than the period, and the application role cannot
// delete a prediction any other way.
describeEachDatabase('AI prediction log retention', (ctx) => {
  const row = (id: string, at: string) =>
    ctx().superuser(
      `INSERT INTO ai_predictions (company_id, prediction_id, batch_id, batch_index, model_id, version_id, input_hash, output, explanation, caller, purpose, latency_ms, recorded_at)
       VALUES ('co-r', $1, 'b-' || $1, 0, 'm', 'v', 'h', '{}'::jsonb, '[]'::jsonb, 'u', 'p', 1, $2::timestamptz)`,
      [id, at],
    );
  const ids = async () => ((await ctx().superuser(`SELECT prediction_id FROM ai_predictions WHERE company_id = 'co-r' ORDER BY prediction_id`)) as { prediction_id: string }[]).map((r) => r.prediction_id);

  it('keeps at least six months and deletes only what is older than the configured period', async () => {
    const old = new Date();
    old.setUTCMonth(old.getUTCMonth() - 9);
    await row('p-old', old.toISOString());
    await row('p-new', new Date().toISOString());
    const purge = (months: number) =>
      ctx().db.transaction((tx) => tx.query<{ n: string }>('SELECT ai_purge_predictions($1::int)::text AS n', months).then((r) => r[0].n, (e: Error) => e.message), { allCompanies: true });
    expect(await purge(5)).toMatch(/AI.RETENTION_REFUSED/);
    expect(await ids()).toEqual(['p-new', 'p-old']);
    expect(await purge(6)).toBe('1');
    expect(await ids()).toEqual(['p-new']);
    const denied = await ctx().db.transaction((tx) => tx.execute(`DELETE FROM ai_predictions WHERE company_id = 'co-r'`).then(() => 'deleted', (e: Error) => e.message), { companyId: 'co-r' });
    expect(denied).toMatch(/permission denied/);
    expect(await ids()).toEqual(['p-new']);
  });

  it('creates monthly partitions ahead', async () => {
    await ctx().db.transaction((tx) => tx.query('SELECT ai_ensure_prediction_partitions(4)'), { allCompanies: true });
    const parts = (await ctx().superuser(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'ai_predictions'::regclass ORDER BY 1`)) as { relname: string }[];
    const ahead = new Date();
    ahead.setUTCMonth(ahead.getUTCMonth() + 4, 1);
    expect(parts.map((p) => p.relname)).toContain(`ai_predictions_p${ahead.getUTCFullYear()}${String(ahead.getUTCMonth() + 1).padStart(2, '0')}`);
    expect(parts.map((p) => p.relname)).toContain('ai_predictions_default');
  });
});

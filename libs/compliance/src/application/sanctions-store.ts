import { Inject, Injectable } from '@nestjs/common';
import { Database, DomainError, registerErrorStatus } from '@maple/platform';
import { buildSanctionsIndex, loadOfacSnapshot } from '../screening';
import type { SanctionsEntry, SanctionsIndex, SanctionsSnapshot } from '../screening';
import type { Screener, ScreeningQuery, ScreeningResult } from './screener';

export type SnapshotInfo = { version: string; source: string; importedAt: Date; entries: number; aliases: number; addresses: number; active: boolean };

const SOURCE = 'OFAC-SDN';

/**
 * Sanctions list snapshots in the database, and screening against the active one. An import
 * is one transaction: all entries, then the switch of `active`; a malformed file fails before
 * anything is written, so the previous snapshot stays in force.
 */
@Injectable()
export class SanctionsStore implements Screener {
  private cache: { version: string; index: SanctionsIndex } | null = null;
  private loading: Promise<{ version: string; index: SanctionsIndex } | null> | null = null;

  constructor(@Inject(Database) private readonly db: Database) {}

  async importDirectory(dir: string, importedBy: string | null): Promise<SnapshotInfo & { alreadyImported: boolean; seconds: number }> {
    const started = Date.now();
    const { snapshot, version } = await loadOfacSnapshot(dir);
    const alreadyImported = await this.db.transaction(
      async (tx) => {
        const [existing] = await tx.query<{ version: string }>(`SELECT version FROM sanctions_snapshots WHERE version = $1`, version);
        if (!existing) {
          await tx.execute(
            `INSERT INTO sanctions_snapshots (version, source, imported_by, entries, aliases, addresses) VALUES ($1, $2, $3, $4, $5, $6)`,
            version,
            SOURCE,
            importedBy,
            snapshot.counts.entries,
            snapshot.counts.aliases,
            snapshot.counts.addresses,
          );
          for (let i = 0; i < snapshot.entries.length; i += 1000) {
            const chunk = snapshot.entries.slice(i, i + 1000).map((e) => ({ uid: e.uid, name: e.name, entity_type: e.entityType, programs: e.programs, entry: e }));
            await tx.execute(
              `INSERT INTO sanctions_entries (version, uid, name, entity_type, programs, entry)
               SELECT $1, r.uid, r.name, r.entity_type, ARRAY(SELECT jsonb_array_elements_text(r.programs)), r.entry
                 FROM jsonb_to_recordset($2::jsonb) AS r(uid text, name text, entity_type text, programs jsonb, entry jsonb)`,
              version,
              JSON.stringify(chunk),
            );
          }
        }
        await tx.execute(`UPDATE sanctions_snapshots SET active = false WHERE source = $1 AND active AND version <> $2`, SOURCE, version);
        await tx.execute(`UPDATE sanctions_snapshots SET active = true WHERE version = $1`, version);
        return Boolean(existing);
      },
      { allCompanies: true },
      { timeoutMs: 120_000 },
    );
    this.cache = null;
    const info = (await this.snapshots()).find((s) => s.version === version)!;
    return { ...info, alreadyImported, seconds: (Date.now() - started) / 1000 };
  }

  async snapshots(): Promise<SnapshotInfo[]> {
    const rows = await this.db.transaction((tx) =>
      tx.query<{ version: string; source: string; imported_at: Date; entries: number; aliases: number; addresses: number; active: boolean }>(
        `SELECT version, source, imported_at, entries, aliases, addresses, active FROM sanctions_snapshots ORDER BY imported_at DESC`,
      ),
    );
    return rows.map((r) => ({ version: r.version, source: r.source, importedAt: new Date(r.imported_at), entries: r.entries, aliases: r.aliases, addresses: r.addresses, active: r.active }));
  }

  async activeVersion(): Promise<string | null> {
    const [r] = await this.db.transaction((tx) => tx.query<{ version: string }>(`SELECT version FROM sanctions_snapshots WHERE source = $1 AND active`, SOURCE));
    return r?.version ?? null;
  }

  async loadSnapshot(version: string): Promise<SanctionsSnapshot> {
    const rows = await this.db.transaction((tx) => tx.query<{ entry: SanctionsEntry }>(`SELECT entry FROM sanctions_entries WHERE version = $1 ORDER BY uid::bigint`, version), {}, { timeoutMs: 120_000 });
    const entries = rows.map((r) => (typeof r.entry === 'string' ? (JSON.parse(r.entry) as SanctionsEntry) : r.entry));
    return {
      source: SOURCE,
      entries,
      counts: { entries: entries.length, aliases: entries.reduce((n, e) => n + e.aliases.length, 0), addresses: entries.reduce((n, e) => n + e.addresses.length, 0) },
      warnings: [],
    };
  }

  // The index of the active snapshot, rebuilt when another process (the CLI's import) activates a
  // new one. The active version is read for every screening (one primary-key-sized lookup): a
  // decision must never cite a list that was already replaced.
  private async activeIndex(): Promise<{ version: string; index: SanctionsIndex } | null> {
    const version = await this.activeVersion();
    if (!version) return null;
    if (this.cache?.version === version) return this.cache;
    this.loading ??= (async () => {
      const index = buildSanctionsIndex(await this.loadSnapshot(version));
      this.cache = { version, index };
      return this.cache;
    })().finally(() => (this.loading = null));
    return this.loading;
  }

  async screen(query: ScreeningQuery): Promise<ScreeningResult> {
    const active = await this.activeIndex();
    if (!active) throw new NoSanctionsListError();
    const matches = active.index.screen(query);
    return { listVersion: active.version, matcherVersion: active.index.matcherVersion, matcherConfig: { ...active.index.config }, matches };
  }
}

registerErrorStatus('COMPLIANCE.SANCTIONS_LIST_MISSING', 503);

/** No snapshot has been imported yet: screening cannot answer, and says so. */
export class NoSanctionsListError extends DomainError {
  constructor() {
    super('COMPLIANCE.SANCTIONS_LIST_MISSING', 'No sanctions list has been imported; run `npm run cli -- sanctions import <dir>`.');
  }
}

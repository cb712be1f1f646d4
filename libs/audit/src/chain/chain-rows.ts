import { PLATFORM_CHAIN } from '@maple/platform';
import type { DbScope, Tx } from '@maple/platform';
import type { ChainedEvent } from './chain-check';

/** A company's chain lives in its own scope; the platform chain (no company) needs all companies. */
export function chainScope(companyId: string): DbScope {
  return companyId === PLATFORM_CHAIN ? { allCompanies: true } : { companyId };
}

// Two SQL shapes rather than IS NOT DISTINCT FROM, so the (company_id, position) index is used.
export function chainFilter(companyId: string): string {
  return companyId === PLATFORM_CHAIN ? '(company_id IS NULL AND $1::text IS NOT NULL)' : 'company_id = $1';
}

// Raw, un-upcast values exactly as stored: that is what the hash covers. ORDER BY names
// events.position explicitly (a bare "position" could sort a text alias: '10' < '9').
//
// Speed: verification must run at 100,000+ events/s, and per-row driver overhead, json_agg
// and to_json cost more than the hashing. So a batch comes back as ONE text, a line per event,
// tab-separated plain columns (jsonb's text form escapes tabs and newlines). A free-text column
// (stream id or type) holding a tab or newline would break the split: that is detected by the
// field count and the batch is read again in the slower, fully escaped JSON form.
const FIELDS = 12;
const FAST_LINE = `concat_ws(E'\\t', position, event_id, (extract(epoch FROM recorded_at) * 1000)::bigint, coalesce(encode(prev_hash, 'hex'), ''),
  coalesce(encode(hash, 'hex'), ''), version, schema_version, stream_id, stream_type, type, data, metadata)`;
const SAFE_ROW = `json_build_array(position::text, event_id::text, (extract(epoch FROM recorded_at) * 1000)::bigint::text, coalesce(encode(prev_hash, 'hex'), ''),
  coalesce(encode(hash, 'hex'), ''), version::text, schema_version::text, stream_id, stream_type, type, data::text, metadata::text)`;

function batchSql(companyId: string, agg: string): string {
  return `SELECT ${agg} AS rows FROM (
       SELECT * FROM events
        WHERE ${chainFilter(companyId)} AND position > $2::bigint AND ($3::bigint IS NULL OR position <= $3::bigint)
        ORDER BY events.position LIMIT $4) AS events`;
}

/** Up to `limit` events of the chain with afterPosition < position <= toPosition, in order. */
export async function readChain(
  tx: Tx,
  companyId: string,
  afterPosition: string,
  toPosition: string | null,
  limit: number,
): Promise<ChainedEvent[]> {
  const company = companyId === PLATFORM_CHAIN ? null : companyId;
  // The subquery's order is kept by the aggregate (no ORDER BY inside it: that would sort the
  // text again); positions are checked to ascend below all the same.
  const [fast] = await tx.query<{ rows: string | null }>(
    batchSql(companyId, `string_agg(${FAST_LINE}, E'\\n')`),
    companyId,
    afterPosition,
    toPosition,
    limit,
  );
  if (!fast?.rows) return [];
  const lines = fast.rows.split('\n').map((l) => l.split('\t'));
  let fields = lines.every((f) => f.length === FIELDS) ? lines : null;
  if (!fields) {
    const [safe] = await tx.query<{ rows: string }>(
      batchSql(companyId, `json_agg(${SAFE_ROW} ORDER BY events.position)::text`),
      companyId,
      afterPosition,
      toPosition,
      limit,
    );
    fields = JSON.parse(safe.rows) as string[][];
  }
  const events = fields.map((f) => toChained(f, company));
  for (let i = 1; i < events.length; i++)
    if (!positionBefore(events[i - 1].position, events[i].position))
      return events.sort((a, b) => (positionBefore(a.position, b.position) ? -1 : 1));
  return events;
}

/** The hash of the chain's last event before `position` (null when there is none). */
export async function hashBefore(tx: Tx, companyId: string, position: string): Promise<string | null> {
  const [r] = await tx.query<{ hash: string | null }>(
    `SELECT encode(hash, 'hex') AS hash FROM events WHERE ${chainFilter(companyId)} AND position < $2::bigint ORDER BY events.position DESC LIMIT 1`,
    companyId,
    position,
  );
  return r?.hash ?? null;
}

/** The chain's newest event, or null for an empty chain. */
export async function chainHead(
  tx: Tx,
  companyId: string,
  atOrBefore: string | null = null,
): Promise<{ position: string; hash: string | null } | null> {
  const [r] = await tx.query<{ position: string; hash: string | null }>(
    `SELECT position::text AS position, encode(hash, 'hex') AS hash FROM events
      WHERE ${chainFilter(companyId)} AND ($2::bigint IS NULL OR position <= $2::bigint) ORDER BY events.position DESC LIMIT 1`,
    companyId,
    atOrBefore,
  );
  return r ?? null;
}

// Positions are decimal strings without leading zeros: shorter is smaller, else compare text.
function positionBefore(a: string, b: string): boolean {
  return a.length < b.length || (a.length === b.length && a < b);
}

function toChained(f: string[], companyId: string | null): ChainedEvent {
  return {
    position: f[0],
    eventId: f[1],
    streamId: f[7],
    streamType: f[8],
    version: Number(f[5]),
    type: f[9],
    schemaVersion: Number(f[6]),
    data: JSON.parse(f[10]) as unknown,
    metadata: JSON.parse(f[11]) as unknown,
    companyId,
    recordedAt: new Date(Number(f[2])).toISOString(),
    prevHash: f[3] || null,
    hash: f[4] || null,
  };
}

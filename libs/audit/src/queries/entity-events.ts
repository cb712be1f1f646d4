import { mayHoldSecret } from '@maple/platform';
import type { EventStore, Tx } from '@maple/platform';
import { withoutSecrets } from '../domain/secrets';

/** What history and state replay need of an event (data upcast to its current shape, secrets left out). */
export type EntityEvent = {
  position: string;
  version: number;
  streamType: string;
  type: string;
  data: unknown;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  recordedAt: Date;
};

const FIELDS = 8;
// A 10,000-event stream must replay within the history p99 budget: the stream comes back as one
// tab-separated text (see chain-rows.ts for why), with the JSON form as the fallback when a
// type name holds a tab or newline.
// Events before `detailFrom` only feed the fold: their metadata and time are not sent.
const DETAIL = `version >= $4`;
const FAST_LINE = `concat_ws(E'\\t', position, version, CASE WHEN ${DETAIL} THEN (extract(epoch FROM recorded_at) * 1000)::bigint ELSE 0 END, schema_version,
  stream_type, type, data, CASE WHEN ${DETAIL} THEN metadata ELSE '{}'::jsonb END)`;
const SAFE_ROW = `json_build_array(position::text, version::text, CASE WHEN ${DETAIL} THEN (extract(epoch FROM recorded_at) * 1000)::bigint ELSE 0 END::text,
  schema_version::text, stream_type, type, data::text, CASE WHEN ${DETAIL} THEN metadata::text ELSE '{}' END)`;

function sql(agg: string): string {
  return `SELECT ${agg} AS rows FROM (
      SELECT * FROM events WHERE stream_id = $1 AND version <= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3::timestamptz)
       ORDER BY events.version) AS events`;
}

/**
 * The stream's events in version order, up to a version and/or a time. Only events from
 * `detailFrom` on carry who/when/where; earlier ones have data only (enough to fold).
 */
export async function readEntityEvents(
  tx: Tx,
  store: EventStore,
  streamId: string,
  opts: { toVersion?: number; until?: Date; detailFrom?: number },
): Promise<EntityEvent[]> {
  const params = [
    streamId,
    opts.toVersion ?? 2_147_483_647,
    opts.until ? opts.until.toISOString() : null,
    opts.detailFrom ?? 1,
  ] as const;
  const [fast] = await tx.query<{ rows: string | null }>(sql(`string_agg(${FAST_LINE}, E'\\n')`), ...params);
  if (!fast?.rows) return [];
  let fields: string[][] | null = fast.rows.split('\n').map((l) => l.split('\t'));
  if (!fields.every((f) => f.length === FIELDS)) {
    const [safe] = await tx.query<{ rows: string }>(
      sql(`json_agg(${SAFE_ROW} ORDER BY events.version)::text`),
      ...params,
    );
    fields = JSON.parse(safe.rows) as string[][];
  }
  // The subquery's order carries through the aggregate; checked (and restored) all the same.
  const ordered = fields.every((f, i) => i === 0 || Number(f[1]) > Number(fields![i - 1][1]))
    ? fields
    : [...fields].sort((a, b) => Number(a[1]) - Number(b[1]));
  return ordered.map((f) => {
    const meta = JSON.parse(f[7]) as {
      actorId?: string | null;
      ip?: string | null;
      userAgent?: string | null;
    };
    const up = store.upcasters.upcast(f[5], Number(f[3]), JSON.parse(f[6]) as unknown);
    return {
      position: f[0],
      version: Number(f[1]),
      streamType: f[4],
      type: f[5],
      // Upcasters already drop the credentials of old user events; the sensitive list catches
      // whatever else holds a secret, in any context (the stored text tells when to look).
      data: mayHoldSecret(f[6]) ? withoutSecrets(up.data) : up.data,
      actorId: meta.actorId ?? null,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ?? null,
      recordedAt: new Date(Number(f[2])),
    };
  });
}

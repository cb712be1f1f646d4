-- Hand-written: the database, not the client, makes every event's place in its company's hash chain.
--
-- Before this migration events_append hashed pieces of text that the client sent beside the
-- data, and the application role could INSERT into events and UPDATE event_chains directly: a
-- client could store content that did not match its hash, or write the chain head itself.
-- Now:
--   * a BEFORE INSERT trigger on events hands out the position, the time and the transaction
--     id, links prev_hash to the chain head and computes the hash FROM THE ROW BEING STORED, for
--     every insert by anyone; an insert that supplies a position, time, prev_hash or hash that
--     differs from what the database computes is refused;
--   * events_append is the application's only way in: SECURITY DEFINER with a fixed
--     search_path, and it checks that the stream's company is the caller's;
--   * maple_app (and so maple_system) lose INSERT on events, write access to event_chains and
--     the position sequence.
--
-- The canonical form is unchanged (the offline verifier and every stored hash stay valid):
--   hash = SHA-256(prev_hash || UTF-8(canonicalJson(record)))
--   record = {companyId, data, eventId, metadata, position, recordedAt, schemaVersion, streamId, streamType, type, version}
-- canonicalJson is RFC 8785 (JCS): no whitespace, object keys sorted by UTF-16 code units,
-- strings escaped as JSON.stringify does, numbers in ECMAScript's shortest round-trip form.
-- maple_jcs below computes it from jsonb; libs/platform/src/event-store/event-store.ts,
-- canonicalJson, is the same function in TypeScript, and a test holds them byte-equal.

-- ECMAScript Number::toString of a JSON number. A JSON number is an IEEE double to every
-- verifier, so the value is taken through float8 (correctly rounded, like JSON.parse) and written
-- with ECMAScript's rules: the fewest significant digits that read back as the same double
-- (ties to even, as JSON.parse reads them), then plain or exponent notation. float8's own text
-- (extra_float_digits = 1) has those digits, except that it never picks a decimal lying exactly
-- halfway to a neighbouring double, which ECMAScript (V8) does when that double is even. Such a
-- tie needs a gap of 2 or more between doubles, so only |x| >= 2^53 is worked out exactly here.
-- A number beyond double range cannot be represented and is refused.
CREATE FUNCTION "maple_jcs_number"(n NUMERIC) RETURNS TEXT
LANGUAGE plpgsql STABLE STRICT SET extra_float_digits = 1 AS $$
DECLARE
  f FLOAT8 := n::float8;
  neg BOOLEAN := f < 0;
  s TEXT;
  mant TEXT;
  e INTEGER := 0;
  ip TEXT;
  digits TEXT;
  k INTEGER;
  p INTEGER;
  lz INTEGER;
  r TEXT;
  b BYTEA;
  x NUMERIC;
  d INTEGER;
  q NUMERIC;
  lo NUMERIC;
  rem NUMERIC;
  c NUMERIC;
BEGIN
  IF f = 0 THEN RETURN '0'; END IF;
  IF abs(f) >= 9007199254740992 THEN
    -- The exact integer value of the double, from its bits: (2^52 + fraction) * 2^(exponent - 1075).
    b := float8send(abs(f));
    x := ((((get_byte(b, 1) & 15)::NUMERIC * 256 + get_byte(b, 2)) * 256 + get_byte(b, 3)) * 256 + get_byte(b, 4)) * 16777216
         + (get_byte(b, 5)::NUMERIC * 256 + get_byte(b, 6)) * 256 + get_byte(b, 7) + 4503599627370496;
    x := x * power(2::NUMERIC, (((get_byte(b, 0) & 127) << 4) | (get_byte(b, 1) >> 4)) - 1075);
    d := length(trunc(x)::text);
    FOR kk IN 1..17 LOOP
      -- The kk-digit decimal nearest to x (half to even), kept if it reads back as x.
      q := power(10::NUMERIC, d - kk);
      lo := floor(x / q);
      rem := x - lo * q;
      c := CASE WHEN rem * 2 < q THEN lo WHEN rem * 2 > q THEN lo + 1 WHEN mod(lo, 2) = 0 THEN lo ELSE lo + 1 END;
      -- From 2^1024 - 2^970 up a decimal rounds to infinity: it cannot be x.
      IF c * q < power(2::NUMERIC, 1024) - power(2::NUMERIC, 970) AND (c * q)::float8 = abs(f) THEN
        digits := trunc(c)::text;
        p := length(digits) + d - kk;
        EXIT;
      END IF;
    END LOOP;
    digits := rtrim(digits, '0');
  ELSE
    s := abs(f)::text;
    IF strpos(s, 'e') > 0 THEN
      mant := split_part(s, 'e', 1);
      e := split_part(s, 'e', 2)::INTEGER;
    ELSE
      mant := s;
    END IF;
    ip := split_part(mant, '.', 1);
    digits := ip || split_part(mant, '.', 2);
    -- value = 0.<digits> x 10^p
    p := length(ip) + e;
    lz := length(digits) - length(ltrim(digits, '0'));
    digits := rtrim(ltrim(digits, '0'), '0');
    p := p - lz;
  END IF;
  k := length(digits);
  IF k <= p AND p <= 21 THEN
    r := digits || repeat('0', p - k);
  ELSIF 0 < p AND p <= 21 THEN
    r := left(digits, p) || '.' || substr(digits, p + 1);
  ELSIF -6 < p AND p <= 0 THEN
    r := '0.' || repeat('0', -p) || digits;
  ELSE
    r := left(digits, 1) || CASE WHEN k > 1 THEN '.' || substr(digits, 2) ELSE '' END
         || 'e' || CASE WHEN p - 1 >= 0 THEN '+' ELSE '-' END || abs(p - 1)::text;
  END IF;
  RETURN CASE WHEN neg THEN '-' || r ELSE r END;
END
$$;

-- The sort key of an object key for UTF-16 code unit order. Text compared byte-wise (COLLATE
-- "C") is code point order, which differs from UTF-16 only for characters from U+E000 up:
-- characters beyond U+FFFF are surrogate pairs in UTF-16 and sort before U+E000..U+FFFF. So
-- each U+E000..U+FFFF character becomes U+E001 + itself and each one beyond U+FFFF becomes
-- U+E000 + itself: a prefix-free re-encoding whose byte order is UTF-16 order.
CREATE FUNCTION "maple_jcs_key_order"(k TEXT) RETURNS TEXT
LANGUAGE sql STABLE STRICT AS $$
  SELECT CASE WHEN k ~ '[\uE000-\U0010FFFF]'
    THEN regexp_replace(regexp_replace(k, '([\uE000-\uFFFF])', chr(57345) || '\1', 'g'), '([\U00010000-\U0010FFFF])', chr(57344) || '\1', 'g')
    ELSE k END COLLATE "C"
$$;

-- Canonical JSON (JCS) of a jsonb value. An ASCII key (the usual case) is its own sort key. jsonb's own text form of a string is JSON.stringify's
-- (the same escapes: \" \\ \b \f \n \r \t and \u00xx below U+0020, lower-case hex), and jsonb
-- cannot hold the lone surrogates JSON.stringify would also escape.
CREATE FUNCTION "maple_jcs"(v JSONB) RETURNS TEXT
LANGUAGE plpgsql STABLE STRICT AS $$
BEGIN
  CASE jsonb_typeof(v)
    WHEN 'object' THEN
      RETURN '{' || coalesce((
        SELECT string_agg(to_json(x.key)::text || ':' || CASE jsonb_typeof(x.value)
                 WHEN 'object' THEN "maple_jcs"(x.value)
                 WHEN 'array' THEN "maple_jcs"(x.value)
                 WHEN 'number' THEN CASE WHEN x.value::text ~ '^-?(0|[1-9][0-9]{0,14})$' THEN x.value::text ELSE "maple_jcs_number"(x.value::text::numeric) END
                 ELSE x.value::text END, ',' ORDER BY CASE WHEN octet_length(x.key) = length(x.key) THEN x.key ELSE "maple_jcs_key_order"(x.key) END COLLATE "C")
          FROM jsonb_each(v) AS x), '') || '}';
    WHEN 'array' THEN
      RETURN '[' || coalesce((
        SELECT string_agg(CASE jsonb_typeof(a.value)
                 WHEN 'object' THEN "maple_jcs"(a.value)
                 WHEN 'array' THEN "maple_jcs"(a.value)
                 WHEN 'number' THEN CASE WHEN a.value::text ~ '^-?(0|[1-9][0-9]{0,14})$' THEN a.value::text ELSE "maple_jcs_number"(a.value::text::numeric) END
                 ELSE a.value::text END, ',' ORDER BY a.n)
          FROM jsonb_array_elements(v) WITH ORDINALITY AS a(value, n)), '') || ']';
    WHEN 'number' THEN
      RETURN "maple_jcs_number"(v::text::numeric);
    ELSE
      RETURN v::text;
  END CASE;
END
$$;

-- The canonical record of a stored event: the keys in sorted order, written out directly.
CREATE FUNCTION "events_canonical"(e "events") RETURNS TEXT
LANGUAGE sql STABLE AS $$
  SELECT '{"companyId":' || coalesce(to_json(e."company_id")::text, 'null')
      || ',"data":' || "maple_jcs"(e."data")
      || ',"eventId":"' || e."event_id"::text
      || '","metadata":' || "maple_jcs"(e."metadata")
      || ',"position":"' || e."position"::text
      || '","recordedAt":"' || to_char(e."recorded_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      || '","schemaVersion":' || e."schema_version"::text
      || ',"streamId":' || to_json(e."stream_id")::text
      || ',"streamType":' || to_json(e."stream_type")::text
      || ',"type":' || to_json(e."type")::text
      || ',"version":' || e."version"::text || '}'
$$;

-- The position and the time are handed out here, under the company's chain lock, so a company's
-- chain order is its position order and its time order.
ALTER TABLE "events" ALTER COLUMN "position" DROP DEFAULT;
ALTER TABLE "events" ALTER COLUMN "recorded_at" DROP DEFAULT;

CREATE FUNCTION "events_chain_link"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
  chain_key TEXT := coalesce(NEW."company_id", '__platform__');
  head BYTEA;
  h BYTEA;
BEGIN
  IF NEW."position" IS NOT NULL OR NEW."recorded_at" IS NOT NULL THEN
    RAISE EXCEPTION 'events: the position and recorded_at of an event are assigned by the database'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW."transaction_id" IS DISTINCT FROM pg_current_xact_id() THEN
    RAISE EXCEPTION 'events: transaction_id must be the inserting transaction''s'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- Re-entrant: events_append already holds it for the whole batch.
  PERFORM pg_advisory_xact_lock(20261125, hashtext(chain_key));
  NEW."position" := nextval('public.events_position_seq');
  NEW."recorded_at" := date_trunc('milliseconds', clock_timestamp());
  SELECT c."hash" INTO head FROM public."event_chains" c WHERE c."company_id" = chain_key;
  IF NEW."prev_hash" IS NOT NULL AND NEW."prev_hash" IS DISTINCT FROM head THEN
    RAISE EXCEPTION 'events: prev_hash is not the head of the % chain', chain_key USING ERRCODE = 'check_violation';
  END IF;
  NEW."prev_hash" := head;
  h := sha256(coalesce(head, ''::BYTEA) || convert_to(public."events_canonical"(NEW), 'UTF8'));
  IF NEW."hash" IS NOT NULL AND NEW."hash" <> h THEN
    RAISE EXCEPTION 'events: the hash does not match the event''s content' USING ERRCODE = 'check_violation';
  END IF;
  NEW."hash" := h;
  INSERT INTO public."event_chains" ("company_id", "position", "hash") VALUES (chain_key, NEW."position", h)
    ON CONFLICT ON CONSTRAINT "event_chains_pkey" DO UPDATE SET "position" = EXCLUDED."position", "hash" = EXCLUDED."hash";
  RETURN NEW;
END
$$;
CREATE TRIGGER "events_chain_link" BEFORE INSERT ON "events" FOR EACH ROW EXECUTE FUNCTION "events_chain_link"();

-- Appends events to one stream: the caller's company only (maple_system: any), the expected
-- version checked under the chain lock, all or nothing. A unique violation (a racing writer on
-- the same stream, or an event id used before) aborts the statement: the caller maps it to a
-- concurrency conflict and retries from a fresh read.
-- p_events: [{ eventId, type, schemaVersion, data, metadata }] in stream order.
DROP FUNCTION "events_append"(TEXT, TEXT, TEXT, INTEGER, JSONB);
CREATE FUNCTION "events_append"(p_stream_id TEXT, p_stream_type TEXT, p_company TEXT, p_expected INTEGER, p_events JSONB)
RETURNS TABLE ("position" TEXT, "version" INTEGER, "event_id" TEXT, "transaction_id" TEXT, "recorded_at" TEXT)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  -- Inside SECURITY DEFINER current_user is the owner; the GUC role still names the role the
  -- caller set with SET ROLE ('none' when it set none, then the caller is the session user).
  caller TEXT := CASE WHEN current_setting('role') = 'none' THEN session_user::text ELSE current_setting('role') END;
  current_version INTEGER;
BEGIN
  IF NOT (pg_has_role(caller, 'maple_system', 'USAGE')
          OR pg_has_role(caller, (SELECT t.tableowner FROM pg_tables t WHERE t.schemaname = 'public' AND t.tablename = 'events'), 'USAGE')
          OR (p_company IS NOT NULL AND p_company = nullif(current_setting('app.company_id', true), ''))) THEN
    RAISE EXCEPTION 'events_append: the stream % belongs to another company', p_stream_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM pg_advisory_xact_lock(20261125, hashtext(coalesce(p_company, '__platform__')));
  -- A VOLATILE function takes a fresh snapshot per statement: what the previous lock holder
  -- committed is visible from here on.
  IF p_expected IS NULL THEN
    SELECT coalesce(max(x."version"), 0) INTO current_version FROM public."events" x WHERE x."stream_id" = p_stream_id;
  ELSE
    -- The stream must have reached p_expected (one exact index lookup); that it has not gone past
    -- it is the unique (stream, version) constraint's job: version p_expected + 1 then conflicts.
    IF p_expected > 0 AND NOT EXISTS (SELECT 1 FROM public."events" x WHERE x."stream_id" = p_stream_id AND x."version" = p_expected) THEN
      RAISE EXCEPTION 'events_append: stream % is not at version %', p_stream_id, p_expected USING ERRCODE = 'serialization_failure';
    END IF;
    current_version := p_expected;
  END IF;
  RETURN QUERY
    INSERT INTO public."events" AS ev ("event_id", "stream_id", "stream_type", "version", "type", "schema_version", "data", "metadata", "company_id")
    SELECT (a.e->>'eventId')::UUID, p_stream_id, p_stream_type, current_version + a.n::INTEGER, a.e->>'type',
           coalesce((a.e->>'schemaVersion')::INTEGER, 1), coalesce(a.e->'data', 'null'::jsonb), coalesce(a.e->'metadata', '{}'::jsonb), p_company
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS a(e, n)
     ORDER BY a.n
    RETURNING ev."position"::text, ev."version", ev."event_id"::text, ev."transaction_id"::text,
              to_char(ev."recorded_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
END
$$;
REVOKE ALL ON FUNCTION "events_append"(TEXT, TEXT, TEXT, INTEGER, JSONB) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "events_append"(TEXT, TEXT, TEXT, INTEGER, JSONB) TO maple_app, maple_system;

-- The application reads events and chain heads; it writes neither.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "events" FROM maple_app, maple_system;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "event_chains" FROM maple_app, maple_system;
REVOKE ALL ON SEQUENCE "events_position_seq" FROM maple_app, maple_system;
GRANT SELECT ON "events", "event_chains" TO maple_app;

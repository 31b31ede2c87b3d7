-- tidings_drop_expired(p_now, p_inbox_days, p_retention_days) RETURNS SETOF text
-- Drops inbox partitions that end more than p_inbox_days before p_now and, when
-- p_retention_days > 0, messages, envelopes and media_refs partitions that end more than that
-- before p_now (envelopes and references to media expire with the messages of the same month,
-- and an unreferenced blob is collected by tidings_media_collect); deletes send_dedup rows older than
-- the inbox and expired device tokens. Returns the names of the dropped partitions (one text column, unnamed).
-- No status codes: it succeeds or raises.
CREATE OR REPLACE FUNCTION tidings_drop_expired(p_now timestamptz, p_inbox_days int,
                                                p_retention_days int)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_upper timestamptz;
BEGIN
    FOR r IN
        SELECT c.relname, p.relname AS parent, pg_get_expr(c.relpartbound, c.oid) AS bound
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname IN ('inbox', 'messages', 'envelopes', 'media_refs')
    LOOP
        v_upper := substring(r.bound FROM 'TO \(''([^'']+)''\)')::timestamptz;
        IF r.parent = 'inbox' AND v_upper <= p_now - make_interval(days => p_inbox_days) THEN
            EXECUTE format('DROP TABLE %I', r.relname);
            RETURN NEXT r.relname;
        ELSIF r.parent IN ('messages', 'envelopes', 'media_refs') AND p_retention_days > 0
              AND v_upper <= p_now - make_interval(days => p_retention_days) THEN
            EXECUTE format('DROP TABLE %I', r.relname);
            RETURN NEXT r.relname;
        END IF;
    END LOOP;
    DELETE FROM send_dedup WHERE created_at < p_now - make_interval(days => p_inbox_days);
    -- Expired device tokens no longer log anyone in; their rows only take space.
    DELETE FROM device_tokens WHERE expires_at <= p_now;
END;
$$;

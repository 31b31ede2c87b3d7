-- tidings_ensure_partitions(p_now, p_months_ahead, p_days_ahead) RETURNS void
-- Creates the partitions covering p_now and the time ahead: messages and envelopes per calendar
-- month (this month and the next p_months_ahead), inbox per day (today and the next
-- p_days_ahead days); bounds in UTC. Idempotent: existing partitions are left alone.
-- No status codes: it succeeds or raises.
CREATE OR REPLACE FUNCTION tidings_ensure_partitions(p_now timestamptz, p_months_ahead int,
                                                     p_days_ahead int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_start timestamptz;
    v_end   timestamptz;
    v_name  text;
    v_parent text;
BEGIN
    FOR i IN 0..p_months_ahead LOOP
        -- Computed in UTC wall time so the session's time zone (and DST) cannot shift bounds.
        v_start := (date_trunc('month', p_now AT TIME ZONE 'UTC') + make_interval(months => i))
                   AT TIME ZONE 'UTC';
        v_end := (date_trunc('month', p_now AT TIME ZONE 'UTC') + make_interval(months => i + 1))
                 AT TIME ZONE 'UTC';
        FOREACH v_parent IN ARRAY ARRAY['messages', 'envelopes'] LOOP
            v_name := v_parent || '_' || to_char(v_start AT TIME ZONE 'UTC', 'YYYYMM');
            IF to_regclass(v_name) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                               v_name, v_parent, v_start, v_end);
            END IF;
        END LOOP;
    END LOOP;
    FOR i IN 0..p_days_ahead LOOP
        v_start := (date_trunc('day', p_now AT TIME ZONE 'UTC') + make_interval(days => i))
                   AT TIME ZONE 'UTC';
        v_end := (date_trunc('day', p_now AT TIME ZONE 'UTC') + make_interval(days => i + 1))
                 AT TIME ZONE 'UTC';
        v_name := 'inbox_' || to_char(v_start AT TIME ZONE 'UTC', 'YYYYMMDD');
        IF to_regclass(v_name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF inbox FOR VALUES FROM (%L) TO (%L)',
                           v_name, v_start, v_end);
        END IF;
    END LOOP;
END;
$$;

-- Tidings schema, version 1: accounts, devices, conversations, messages, inbox, receipts.

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL DEFAULT '',
    password_hash text NOT NULL,              -- Argon2id string (libsodium crypto_pwhash_str)
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX devices_user_idx ON devices (user_id);

-- Only a hash of each token is stored: a database dump does not let anyone log in.
CREATE TABLE device_tokens (
    token_hash bytea PRIMARY KEY,
    device_id  bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_tokens_device_idx ON device_tokens (device_id);

CREATE TABLE conversations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       smallint NOT NULL,             -- 1 direct, 2 group
    direct_key text UNIQUE,                   -- 'low_user_id:high_user_id' for direct chats
    title      text NOT NULL DEFAULT '',
    last_seq   bigint NOT NULL DEFAULT 0,     -- the serialization point for seq assignment
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Per-user cursors (the highest over that user's devices) live on the member row: the ticks
-- other people see are computed from these.
CREATE TABLE members (
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            smallint NOT NULL DEFAULT 0,
    delivered_seq   bigint NOT NULL DEFAULT 0,
    read_seq        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_user_idx ON members (user_id);

-- Per member device cursors, monotonic.
CREATE TABLE receipts (
    conversation_id bigint NOT NULL,
    device_id       bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    delivered_seq   bigint NOT NULL DEFAULT 0,
    read_seq        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, device_id)
);

-- History, partitioned by month on created_at; partitions are created ahead by the server and
-- dropped past the retention period. Sharding key for a distributed PostgreSQL: conversation_id.
CREATE TABLE messages (
    conversation_id   bigint NOT NULL,
    seq               bigint NOT NULL,
    created_at        timestamptz NOT NULL,
    sender_user_id    bigint NOT NULL,
    sender_device_id  bigint NOT NULL,
    client_message_id text NOT NULL,
    payload           bytea NOT NULL,
    PRIMARY KEY (conversation_id, seq, created_at)
) PARTITION BY RANGE (created_at);

-- Idempotency of sends on (sender device, client message id). Kept as long as the inbox.
CREATE TABLE send_dedup (
    device_id         bigint NOT NULL,
    client_message_id text NOT NULL,
    conversation_id   bigint NOT NULL,
    seq               bigint NOT NULL,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (device_id, client_message_id)
);
CREATE INDEX send_dedup_created_idx ON send_dedup (created_at);

-- Per-device offline queue, partitioned by day: the 30-day expiry drops whole partitions.
-- An entry is pending while seq > that device's delivered_seq for the conversation.
CREATE TABLE inbox (
    device_id       bigint NOT NULL,
    conversation_id bigint NOT NULL,
    seq             bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (device_id, conversation_id, seq, created_at)
) PARTITION BY RANGE (created_at);

-- Creates the partitions covering p_now: messages for this month and the next p_months_ahead,
-- inbox for today and the next p_days_ahead days. Idempotent.
CREATE FUNCTION tidings_ensure_partitions(p_now timestamptz, p_months_ahead int, p_days_ahead int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_start timestamptz;
    v_end   timestamptz;
    v_name  text;
BEGIN
    FOR i IN 0..p_months_ahead LOOP
        -- Computed in UTC wall time so the session's time zone (and DST) cannot shift bounds.
        v_start := (date_trunc('month', p_now AT TIME ZONE 'UTC') + make_interval(months => i))
                   AT TIME ZONE 'UTC';
        v_end := (date_trunc('month', p_now AT TIME ZONE 'UTC') + make_interval(months => i + 1))
                 AT TIME ZONE 'UTC';
        v_name := 'messages_' || to_char(v_start AT TIME ZONE 'UTC', 'YYYYMM');
        IF to_regclass(v_name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF messages FOR VALUES FROM (%L) TO (%L)',
                           v_name, v_start, v_end);
        END IF;
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

-- Drops inbox partitions that end more than p_inbox_days before p_now and, when
-- p_retention_days > 0, message partitions that end more than that before p_now. Returns the
-- names of the dropped partitions.
CREATE FUNCTION tidings_drop_expired(p_now timestamptz, p_inbox_days int, p_retention_days int)
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
        WHERE p.relname IN ('inbox', 'messages')
    LOOP
        v_upper := substring(r.bound FROM 'TO \(''([^'']+)''\)')::timestamptz;
        IF r.parent = 'inbox' AND v_upper <= p_now - make_interval(days => p_inbox_days) THEN
            EXECUTE format('DROP TABLE %I', r.relname);
            RETURN NEXT r.relname;
        ELSIF r.parent = 'messages' AND p_retention_days > 0
              AND v_upper <= p_now - make_interval(days => p_retention_days) THEN
            EXECUTE format('DROP TABLE %I', r.relname);
            RETURN NEXT r.relname;
        END IF;
    END LOOP;
    DELETE FROM send_dedup WHERE created_at < p_now - make_interval(days => p_inbox_days);
END;
$$;

-- Stores one message: idempotent on (sender device, client message id), assigns the next seq of
-- the conversation under the conversation row's lock, queues it for every other device of every
-- member. Domain failures are returned as status values (never raised) so that one bad send
-- does not abort the other sends committed in the same group.
--   status 0 stored, 1 not a member, 2 no such conversation
CREATE FUNCTION tidings_send(p_user bigint, p_device bigint, p_conv bigint, p_client_id text,
                             p_payload bytea, p_now timestamptz)
RETURNS TABLE (status int, seq bigint, created_at timestamptz, duplicate boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_seq bigint;
    v_created timestamptz;
BEGIN
    SELECT d.seq, d.created_at INTO v_seq, v_created
    FROM send_dedup d WHERE d.device_id = p_device AND d.client_message_id = p_client_id;
    IF FOUND THEN
        RETURN QUERY SELECT 0, v_seq, v_created, true;
        RETURN;
    END IF;
    PERFORM 1 FROM members m WHERE m.conversation_id = p_conv AND m.user_id = p_user;
    IF NOT FOUND THEN
        PERFORM 1 FROM conversations c WHERE c.id = p_conv;
        RETURN QUERY SELECT CASE WHEN FOUND THEN 1 ELSE 2 END, 0::bigint, p_now, false;
        RETURN;
    END IF;
    UPDATE conversations c SET last_seq = c.last_seq + 1 WHERE c.id = p_conv
    RETURNING c.last_seq INTO v_seq;
    INSERT INTO messages (conversation_id, seq, created_at, sender_user_id, sender_device_id,
                          client_message_id, payload)
    VALUES (p_conv, v_seq, p_now, p_user, p_device, p_client_id, p_payload);
    INSERT INTO send_dedup (device_id, client_message_id, conversation_id, seq, created_at)
    VALUES (p_device, p_client_id, p_conv, v_seq, p_now);
    INSERT INTO inbox (device_id, conversation_id, seq, created_at)
    SELECT d.id, p_conv, v_seq, p_now
    FROM members m JOIN devices d ON d.user_id = m.user_id
    WHERE m.conversation_id = p_conv AND d.id <> p_device AND d.revoked_at IS NULL;
    -- The sender's own device has the message: its cursor moves with the send.
    INSERT INTO receipts AS r (conversation_id, device_id, delivered_seq, read_seq)
    VALUES (p_conv, p_device, v_seq, v_seq)
    ON CONFLICT (conversation_id, device_id) DO UPDATE
        SET delivered_seq = GREATEST(r.delivered_seq, EXCLUDED.delivered_seq),
            read_seq = GREATEST(r.read_seq, EXCLUDED.read_seq);
    UPDATE members m SET delivered_seq = GREATEST(m.delivered_seq, v_seq),
                         read_seq = GREATEST(m.read_seq, v_seq)
    WHERE m.conversation_id = p_conv AND m.user_id = p_user;
    RETURN QUERY SELECT 0, v_seq, p_now, false;
END;
$$;

-- Advances one device's cursors (clamped to the conversation's last seq) and its user's.
-- Returns status (0 ok, 1 not a member) and the user's cursors, with changed = whether the
-- user's cursors moved (then the other members are told).
CREATE FUNCTION tidings_ack(p_user bigint, p_device bigint, p_conv bigint, p_delivered bigint,
                            p_read bigint)
RETURNS TABLE (status int, delivered_seq bigint, read_seq bigint, changed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_last bigint;
    v_d bigint;
    v_r bigint;
    v_old_d bigint;
    v_old_r bigint;
BEGIN
    SELECT m.delivered_seq, m.read_seq INTO v_old_d, v_old_r
    FROM members m WHERE m.conversation_id = p_conv AND m.user_id = p_user;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 1, 0::bigint, 0::bigint, false;
        RETURN;
    END IF;
    SELECT c.last_seq INTO v_last FROM conversations c WHERE c.id = p_conv;
    v_r := LEAST(p_read, v_last);
    v_d := GREATEST(LEAST(p_delivered, v_last), v_r);
    INSERT INTO receipts AS r (conversation_id, device_id, delivered_seq, read_seq)
    VALUES (p_conv, p_device, v_d, v_r)
    ON CONFLICT (conversation_id, device_id) DO UPDATE
        SET delivered_seq = GREATEST(r.delivered_seq, EXCLUDED.delivered_seq),
            read_seq = GREATEST(r.read_seq, EXCLUDED.read_seq);
    IF v_d > v_old_d OR v_r > v_old_r THEN
        UPDATE members m SET delivered_seq = GREATEST(m.delivered_seq, v_d),
                             read_seq = GREATEST(m.read_seq, v_r)
        WHERE m.conversation_id = p_conv AND m.user_id = p_user;
        RETURN QUERY SELECT 0, GREATEST(v_old_d, v_d), GREATEST(v_old_r, v_r), true;
    ELSE
        RETURN QUERY SELECT 0, v_old_d, v_old_r, false;
    END IF;
END;
$$;

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

-- Stores a batch of messages in one statement (group commit: one transaction, one WAL flush for
-- the whole batch). Per input row (1-based idx, in arrival order):
--   status 0 stored (seq assigned), 1 not a member, 2 no such conversation.
-- Idempotent on (sender device, client message id): a resend, also one repeated inside the
-- batch, returns the original seq with duplicate = true. Seqs are assigned per conversation in
-- idx order under the conversation row's lock, inside the storing transaction: gap-free.
-- Every other device of every member gets an inbox entry.
CREATE FUNCTION tidings_send_batch(p_users bigint[], p_devices bigint[], p_convs bigint[],
                                   p_client_ids text[], p_payloads bytea[], p_now timestamptz)
RETURNS TABLE (idx bigint, status int, seq bigint, created_at timestamptz, duplicate boolean)
-- plpgsql (not a SQL function) so the plan of this large statement is cached per session.
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH input AS (
    SELECT t.user_id, t.device_id, t.conv, t.client_id, t.payload, t.idx
    FROM unnest(p_users, p_devices, p_convs, p_client_ids, p_payloads)
         WITH ORDINALITY AS t(user_id, device_id, conv, client_id, payload, idx)
),
firsts AS (
    SELECT DISTINCT ON (device_id, client_id) * FROM input ORDER BY device_id, client_id, idx
),
stored_before AS (
    SELECT f.idx, d.seq, d.created_at
    FROM firsts f
    JOIN send_dedup d ON d.device_id = f.device_id AND d.client_message_id = f.client_id
                     AND d.conversation_id = f.conv
),
allowed AS (
    SELECT f.* FROM firsts f
    WHERE NOT EXISTS (SELECT 1 FROM stored_before b WHERE b.idx = f.idx)
      AND EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = f.conv AND m.user_id = f.user_id)
),
numbered AS (
    SELECT a.*, row_number() OVER (PARTITION BY a.conv ORDER BY a.idx) AS rn
    FROM allowed a
),
bumped AS (
    UPDATE conversations c SET last_seq = c.last_seq + x.n
    FROM (SELECT conv, count(*) AS n FROM numbered GROUP BY conv) x
    WHERE c.id = x.conv
    RETURNING c.id, c.last_seq - x.n AS base
),
assigned AS (
    SELECT n.*, b.base + n.rn AS seq FROM numbered n JOIN bumped b ON b.id = n.conv
),
ins_messages AS (
    INSERT INTO messages (conversation_id, seq, created_at, sender_user_id, sender_device_id,
                          client_message_id, payload)
    SELECT conv, seq, p_now, user_id, device_id, client_id, payload FROM assigned
),
ins_dedup AS (
    -- A client reusing one id in two conversations gets two messages; the conflict must not
    -- abort the batch (other people's sends share it).
    INSERT INTO send_dedup (device_id, client_message_id, conversation_id, seq, created_at)
    SELECT device_id, client_id, conv, seq, p_now FROM assigned
    ON CONFLICT DO NOTHING
),
ins_inbox AS (
    INSERT INTO inbox (device_id, conversation_id, seq, created_at)
    SELECT dv.id, a.conv, a.seq, p_now
    FROM assigned a
    JOIN members m ON m.conversation_id = a.conv
    JOIN devices dv ON dv.user_id = m.user_id AND dv.id <> a.device_id AND dv.revoked_at IS NULL
),
first_result AS (
    SELECT f.device_id, f.client_id,
           COALESCE(a.seq, b.seq) AS seq,
           CASE WHEN a.seq IS NOT NULL THEN p_now ELSE b.created_at END AS created_at,
           a.seq IS NULL AND b.seq IS NOT NULL AS was_stored_before,
           f.idx AS first_idx
    FROM firsts f
    LEFT JOIN assigned a ON a.idx = f.idx
    LEFT JOIN stored_before b ON b.idx = f.idx
)
SELECT i.idx,
       CASE WHEN r.seq IS NOT NULL THEN 0
            WHEN EXISTS (SELECT 1 FROM conversations c WHERE c.id = i.conv) THEN 1
            ELSE 2 END,
       COALESCE(r.seq, 0),
       COALESCE(r.created_at, p_now),
       r.seq IS NOT NULL AND (r.was_stored_before OR r.first_idx <> i.idx)
FROM input i
LEFT JOIN first_result r ON r.device_id = i.device_id AND r.client_id = i.client_id
ORDER BY i.idx;
END;
$$;

-- Advances a batch of device cursors (clamped to each conversation's last seq) and the users'
-- cursors (the highest over their devices). Returns one row per user cursor that moved
-- (kind 'c', for receipt pushes) and one row per input row that was refused because the user
-- is not a member (kind 'x', with its idx).
CREATE FUNCTION tidings_ack_batch(p_users bigint[], p_devices bigint[], p_convs bigint[],
                                  p_delivered bigint[], p_read bigint[])
RETURNS TABLE (kind text, idx bigint, conversation_id bigint, user_id bigint,
               delivered_seq bigint, read_seq bigint)
-- plpgsql (not a SQL function) so the plan of this large statement is cached per session.
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
-- Receipts need no synchronous commit: a cursor lost in a database crash only means the device
-- acks again and gets a few messages twice, which it de-duplicates. Messages themselves are
-- always committed synchronously.
PERFORM set_config('synchronous_commit', 'off', true);
RETURN QUERY
WITH input AS (
    SELECT t.* FROM unnest(p_users, p_devices, p_convs, p_delivered, p_read)
         WITH ORDINALITY AS t(user_id, device_id, conv, delivered, rd, idx)
),
valid AS (
    SELECT i.*, c.last_seq
    FROM input i
    JOIN members m ON m.conversation_id = i.conv AND m.user_id = i.user_id
    JOIN conversations c ON c.id = i.conv
),
per_device AS (
    SELECT conv, device_id, user_id,
           max(LEAST(rd, last_seq)) AS r,
           GREATEST(max(LEAST(delivered, last_seq)), max(LEAST(rd, last_seq))) AS d
    FROM valid GROUP BY conv, device_id, user_id
),
up_receipts AS (
    INSERT INTO receipts AS r (conversation_id, device_id, delivered_seq, read_seq)
    SELECT conv, device_id, d, r FROM per_device
    ON CONFLICT (conversation_id, device_id) DO UPDATE
        SET delivered_seq = GREATEST(r.delivered_seq, EXCLUDED.delivered_seq),
            read_seq = GREATEST(r.read_seq, EXCLUDED.read_seq)
),
per_user AS (
    SELECT conv, user_id, max(d) AS d, max(r) AS r FROM per_device GROUP BY conv, user_id
),
up_members AS (
    UPDATE members m
    SET delivered_seq = GREATEST(m.delivered_seq, p.d), read_seq = GREATEST(m.read_seq, p.r)
    FROM per_user p
    WHERE m.conversation_id = p.conv AND m.user_id = p.user_id
      AND (p.d > m.delivered_seq OR p.r > m.read_seq)
    RETURNING m.conversation_id, m.user_id, m.delivered_seq, m.read_seq
)
SELECT 'c', 0::bigint, u.conversation_id, u.user_id, u.delivered_seq, u.read_seq FROM up_members u
UNION ALL
SELECT 'x', i.idx, i.conv, i.user_id, 0::bigint, 0::bigint FROM input i
WHERE NOT EXISTS (SELECT 1 FROM valid v WHERE v.idx = i.idx);
END;
$$;

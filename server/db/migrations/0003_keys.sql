-- Tidings schema, version 3: end-to-end key directory, signed device lists, per-device
-- envelopes of encrypted sends. The server stores public keys and ciphertexts only.

-- The pinned account identity key (AIK, Ed25519 public): set by the first key upload or device
-- list, never changed afterwards.
ALTER TABLE users ADD COLUMN account_key bytea;

-- One row per device that published keys. signing_key (DSK), identity_key (DIK) and
-- account_key are immutable once set; the signed prekey is replaced by later uploads.
CREATE TABLE device_keys (
    device_id         bigint PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    user_id           bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    signing_key       bytea NOT NULL,
    identity_key      bytea NOT NULL,
    account_key       bytea NOT NULL,
    binding_signature bytea NOT NULL,
    spk_id            bigint NOT NULL,
    spk_public        bytea NOT NULL,
    spk_signature     bytea NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_keys_user_idx ON device_keys (user_id);

-- Handed out once each: a fetch deletes the key it returns in the same statement.
CREATE TABLE one_time_prekeys (
    device_id  bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    key_id     bigint NOT NULL,
    public_key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, key_id)
);

-- The latest signed device list of each user, as published (the blob is what clients verify)
-- and the device ids it names (what the server computes "current devices" from).
CREATE TABLE device_lists (
    user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version     bigint NOT NULL,
    signed_list bytea NOT NULL,
    account_key bytea NOT NULL,
    devices     bigint[] NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- An encrypted send (it carried a device digest).
ALTER TABLE messages ADD COLUMN encrypted boolean NOT NULL DEFAULT false;

-- Per-device ciphertexts of a message, partitioned like messages (same monthly bounds) and
-- dropped with them by retention.
CREATE TABLE envelopes (
    conversation_id bigint NOT NULL,
    seq             bigint NOT NULL,
    device_id       bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    payload         bytea NOT NULL,
    PRIMARY KEY (conversation_id, seq, device_id, created_at)
) PARTITION BY RANGE (created_at);

-- Partitions of messages and envelopes per month, inbox per day. Idempotent.
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

-- As before; envelope partitions expire with the message partitions of the same month.
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
        WHERE p.relname IN ('inbox', 'messages', 'envelopes')
    LOOP
        v_upper := substring(r.bound FROM 'TO \(''([^'']+)''\)')::timestamptz;
        IF r.parent = 'inbox' AND v_upper <= p_now - make_interval(days => p_inbox_days) THEN
            EXECUTE format('DROP TABLE %I', r.relname);
            RETURN NEXT r.relname;
        ELSIF r.parent IN ('messages', 'envelopes') AND p_retention_days > 0
              AND v_upper <= p_now - make_interval(days => p_retention_days) THEN
            EXECUTE format('DROP TABLE %I', r.relname);
            RETURN NEXT r.relname;
        END IF;
    END LOOP;
    DELETE FROM send_dedup WHERE created_at < p_now - make_interval(days => p_inbox_days);
END;
$$;

DROP FUNCTION tidings_send_batch(bigint[], bigint[], bigint[], text[], bytea[], timestamptz);
CREATE FUNCTION tidings_send_batch(p_users bigint[], p_devices bigint[], p_convs bigint[],
                                   p_client_ids text[], p_payloads bytea[], p_encrypted boolean[],
                                   p_env_idx bigint[], p_env_devices bigint[],
                                   p_env_payloads bytea[], p_now timestamptz)
RETURNS TABLE (idx bigint, status int, seq bigint, created_at timestamptz, duplicate boolean)
-- plpgsql (not a SQL function) so the plan of this large statement is cached per session.
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH input AS (
    SELECT t.user_id, t.device_id, t.conv, t.client_id, t.payload, t.encrypted, t.idx
    FROM unnest(p_users, p_devices, p_convs, p_client_ids, p_payloads, p_encrypted)
         WITH ORDINALITY AS t(user_id, device_id, conv, client_id, payload, encrypted, idx)
),
-- Envelopes of the batch: env_idx is the 1-based index of the send they belong to.
env AS (
    SELECT e.env_idx, e.env_device, e.env_payload
    FROM unnest(p_env_idx, p_env_devices, p_env_payloads) AS e(env_idx, env_device, env_payload)
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
-- In a 1:1 conversation, the other member may have blocked the sender.
-- Only a member learns of the block (an outsider gets "not a member" as always).
blocked AS (
    SELECT f.idx FROM firsts f
    JOIN conversations c ON c.id = f.conv AND c.kind = 1
    JOIN members me ON me.conversation_id = f.conv AND me.user_id = f.user_id
    JOIN members m ON m.conversation_id = f.conv AND m.user_id <> f.user_id
    JOIN blocks b ON b.owner_id = m.user_id AND b.blocked_id = f.user_id
),
allowed AS (
    SELECT f.* FROM firsts f
    WHERE NOT EXISTS (SELECT 1 FROM stored_before b WHERE b.idx = f.idx)
      AND NOT EXISTS (SELECT 1 FROM blocked x WHERE x.idx = f.idx)
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
                          client_message_id, payload, encrypted)
    SELECT conv, seq, p_now, user_id, device_id, client_id, payload, encrypted FROM assigned
),
ins_envelopes AS (
    INSERT INTO envelopes (conversation_id, seq, device_id, created_at, payload)
    SELECT a.conv, a.seq, e.env_device, p_now, e.env_payload
    FROM assigned a JOIN env e ON e.env_idx = a.idx
),
ins_dedup AS (
    -- A client reusing one id in two conversations gets two messages; the conflict must not
    -- abort the batch (other people's sends share it).
    INSERT INTO send_dedup (device_id, client_message_id, conversation_id, seq, created_at)
    SELECT device_id, client_id, conv, seq, p_now FROM assigned
    ON CONFLICT DO NOTHING
),
-- Sending implies having read everything before: the sender's cursors move to its message.
-- (Group ticks compare against the lowest cursor over all members, the sender included.)
sender_cursors AS (
    UPDATE members m SET delivered_seq = GREATEST(m.delivered_seq, x.top),
                         read_seq = GREATEST(m.read_seq, x.top)
    FROM (SELECT conv, user_id, max(seq) AS top FROM assigned GROUP BY conv, user_id) x
    WHERE m.conversation_id = x.conv AND m.user_id = x.user_id
),
ins_inbox AS (
    INSERT INTO inbox (device_id, conversation_id, seq, created_at)
    SELECT dv.id, a.conv, a.seq, p_now
    FROM assigned a
    JOIN members m ON m.conversation_id = a.conv
    JOIN devices dv ON dv.user_id = m.user_id AND dv.id <> a.device_id AND dv.revoked_at IS NULL
    -- An envelope-only send (sender-key distribution, resend) is for its addressees only.
    WHERE octet_length(a.payload) > 0
       OR EXISTS (SELECT 1 FROM env e WHERE e.env_idx = a.idx AND e.env_device = dv.id)
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
            WHEN EXISTS (SELECT 1 FROM blocked x WHERE x.idx = r.first_idx) THEN 3
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
-- Publishes a device's keys (signatures verified by the server before). status: 0 stored,
-- 1 DSK/DIK/AIK differ from the ones this device published before, 2 the AIK is not the user's
-- pinned one, 3 the first upload lacks a signed prekey. stock: one-time prekeys now stored.
-- One-time prekeys are appended (known key ids ignored) up to p_max stored.
CREATE FUNCTION tidings_upload_keys(p_user bigint, p_device bigint, p_dsk bytea, p_dik bytea,
                                    p_aik bytea, p_binding bytea, p_spk_id bigint, p_spk bytea,
                                    p_spk_sig bytea, p_opk_ids bigint[], p_opk_pubs bytea[],
                                    p_max int)
RETURNS TABLE (status int, stock int)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_pinned bytea;
    v_dsk bytea;
    v_dik bytea;
    v_aik bytea;
    v_stock int;
BEGIN
    -- The user row serializes key changes of all the user's devices (pinning).
    SELECT u.account_key INTO v_pinned FROM users u WHERE u.id = p_user FOR UPDATE;
    IF v_pinned IS NOT NULL AND v_pinned <> p_aik THEN
        RETURN QUERY SELECT 2, 0; RETURN;
    END IF;
    SELECT k.signing_key, k.identity_key, k.account_key INTO v_dsk, v_dik, v_aik
    FROM device_keys k WHERE k.device_id = p_device;
    IF FOUND THEN
        IF v_dsk <> p_dsk OR v_dik <> p_dik OR v_aik <> p_aik THEN
            RETURN QUERY SELECT 1, 0; RETURN;
        END IF;
        IF p_spk IS NOT NULL THEN
            UPDATE device_keys k SET spk_id = p_spk_id, spk_public = p_spk,
                                     spk_signature = p_spk_sig, updated_at = now()
            WHERE k.device_id = p_device;
        END IF;
    ELSE
        IF p_spk IS NULL THEN
            RETURN QUERY SELECT 3, 0; RETURN;
        END IF;
        INSERT INTO device_keys (device_id, user_id, signing_key, identity_key, account_key,
                                 binding_signature, spk_id, spk_public, spk_signature)
        VALUES (p_device, p_user, p_dsk, p_dik, p_aik, p_binding, p_spk_id, p_spk, p_spk_sig);
    END IF;
    IF v_pinned IS NULL THEN
        UPDATE users u SET account_key = p_aik WHERE u.id = p_user;
    END IF;
    SELECT count(*) INTO v_stock FROM one_time_prekeys o WHERE o.device_id = p_device;
    INSERT INTO one_time_prekeys (device_id, key_id, public_key)
    SELECT p_device, x.kid, x.pub FROM (
        SELECT DISTINCT ON (k.kid) k.kid, k.pub, k.o
        FROM unnest(p_opk_ids, p_opk_pubs) WITH ORDINALITY AS k(kid, pub, o)
        WHERE NOT EXISTS (SELECT 1 FROM one_time_prekeys o
                          WHERE o.device_id = p_device AND o.key_id = k.kid)
        ORDER BY k.kid, k.o) x
    ORDER BY x.o
    LIMIT GREATEST(p_max - v_stock, 0)
    ON CONFLICT DO NOTHING;
    SELECT count(*) INTO v_stock FROM one_time_prekeys o WHERE o.device_id = p_device;
    RETURN QUERY SELECT 0, v_stock;
END;
$$;

-- One bundle per device of p_user with published keys: the requested ones (p_devices, the
-- user's own and not revoked) or, when p_devices is empty, its current devices (in its device
-- list, not revoked). Each bundle takes ONE one-time prekey, deleted by the same statement
-- (SKIP LOCKED: concurrent fetchers never get the same key); none left gives NULLs.
-- r_stock is what remains for that device.
CREATE FUNCTION tidings_fetch_bundles(p_user bigint, p_devices bigint[])
RETURNS TABLE (r_device bigint, r_dsk bytea, r_dik bytea, r_binding bytea, r_spk_id bigint,
               r_spk bytea, r_spk_sig bytea, r_opk_id bigint, r_opk bytea, r_stock int,
               r_taken boolean)
LANGUAGE plpgsql AS $$
DECLARE
    d record;
    v_opk_id bigint;
    v_opk bytea;
    v_stock int;
BEGIN
    FOR d IN
        SELECT k.* FROM device_keys k
        JOIN devices dv ON dv.id = k.device_id AND dv.revoked_at IS NULL
        WHERE k.user_id = p_user
          AND CASE WHEN cardinality(p_devices) = 0
                   THEN k.device_id IN (SELECT unnest(l.devices) FROM device_lists l
                                        WHERE l.user_id = p_user)
                   ELSE k.device_id = ANY (p_devices) END
        ORDER BY k.device_id
    LOOP
        v_opk_id := NULL;
        v_opk := NULL;
        DELETE FROM one_time_prekeys o
        WHERE (o.device_id, o.key_id) = (
            SELECT x.device_id, x.key_id FROM one_time_prekeys x
            WHERE x.device_id = d.device_id ORDER BY x.key_id LIMIT 1
            FOR UPDATE SKIP LOCKED)
        RETURNING o.key_id, o.public_key INTO v_opk_id, v_opk;
        SELECT count(*) INTO v_stock FROM one_time_prekeys o WHERE o.device_id = d.device_id;
        RETURN QUERY SELECT d.device_id, d.signing_key, d.identity_key, d.binding_signature,
                            d.spk_id, d.spk_public, d.spk_signature, v_opk_id, v_opk, v_stock,
                            v_opk_id IS NOT NULL;
    END LOOP;
END;
$$;

-- Stores a verified signed device list. status: 0 stored, 1 the AIK is not the pinned one,
-- 2 version not newer than the stored one, 3 a listed device is not the user's, revoked or has
-- published no keys, 4 a listed device's DSK/DIK differ from the ones it published.
CREATE FUNCTION tidings_publish_device_list(p_user bigint, p_version bigint, p_blob bytea,
                                            p_aik bytea, p_devices bigint[], p_dsks bytea[],
                                            p_diks bytea[])
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    v_pinned bytea;
    v_version bigint;
BEGIN
    SELECT u.account_key INTO v_pinned FROM users u WHERE u.id = p_user FOR UPDATE;
    IF v_pinned IS NOT NULL AND v_pinned <> p_aik THEN
        RETURN 1;
    END IF;
    SELECT l.version INTO v_version FROM device_lists l WHERE l.user_id = p_user;
    IF FOUND AND p_version <= v_version THEN
        RETURN 2;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_devices) AS x(dev)
               WHERE NOT EXISTS (SELECT 1 FROM devices dv JOIN device_keys k ON k.device_id = dv.id
                                 WHERE dv.id = x.dev AND dv.user_id = p_user
                                   AND dv.revoked_at IS NULL)) THEN
        RETURN 3;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_devices, p_dsks, p_diks) AS x(dev, dsk, dik)
               JOIN device_keys k ON k.device_id = x.dev
               WHERE k.signing_key <> x.dsk OR k.identity_key <> x.dik) THEN
        RETURN 4;
    END IF;
    IF v_pinned IS NULL THEN
        UPDATE users u SET account_key = p_aik WHERE u.id = p_user;
    END IF;
    INSERT INTO device_lists AS l (user_id, version, signed_list, account_key, devices, updated_at)
    VALUES (p_user, p_version, p_blob, p_aik, p_devices, now())
    ON CONFLICT (user_id) DO UPDATE
        SET version = EXCLUDED.version, signed_list = EXCLUDED.signed_list,
            account_key = EXCLUDED.account_key, devices = EXCLUDED.devices,
            updated_at = EXCLUDED.updated_at;
    RETURN 0;
END;
$$;

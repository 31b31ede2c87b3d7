-- Tidings schema, version 2: groups and system events, contacts, blocking, last-seen privacy.

ALTER TABLE users
    ADD COLUMN last_seen_visibility smallint NOT NULL DEFAULT 0, -- 0 everyone, 1 contacts, 2 nobody
    ADD COLUMN last_seen_at timestamptz;                         -- last device disconnected

ALTER TABLE members
    ADD COLUMN joined_seq bigint NOT NULL DEFAULT 0,  -- a member sees messages after this seq
    ADD COLUMN joined_at timestamptz NOT NULL DEFAULT now();

-- System events (group created, member added, ...) are ordinary ordered messages with these set.
ALTER TABLE messages
    ADD COLUMN event_kind smallint,                   -- tidings.wire.SystemEvent.Kind
    ADD COLUMN event_target_user_id bigint,
    ADD COLUMN event_name text;

CREATE TABLE contacts (
    owner_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, user_id)
);

CREATE TABLE blocks (
    owner_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, blocked_id)
);

-- Stores a batch of messages in one statement (group commit: one transaction, one WAL flush for
-- the whole batch). Per input row (1-based idx, in arrival order):
--   status 0 stored (seq assigned), 1 not a member, 2 no such conversation, 3 blocked.
-- Idempotent on (sender device, client message id): a resend, also one repeated inside the
-- batch, returns the original seq with duplicate = true. Seqs are assigned per conversation in
-- idx order under the conversation row's lock, inside the storing transaction: gap-free.
-- Every other device of every member gets an inbox entry.
CREATE OR REPLACE FUNCTION tidings_send_batch(p_users bigint[], p_devices bigint[], p_convs bigint[],
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

-- Appends a system event to a conversation as its next ordered message and queues it for every
-- member device. Returns its seq. The caller holds the conversation row (or runs on its shard).
CREATE FUNCTION tidings_add_event(p_conv bigint, p_actor bigint, p_kind int, p_target bigint,
                                  p_name text, p_now timestamptz)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_seq bigint;
BEGIN
    UPDATE conversations SET last_seq = last_seq + 1 WHERE id = p_conv RETURNING last_seq INTO v_seq;
    INSERT INTO messages (conversation_id, seq, created_at, sender_user_id, sender_device_id,
                          client_message_id, payload, event_kind, event_target_user_id, event_name)
    VALUES (p_conv, v_seq, p_now, p_actor, 0, 'event-' || v_seq, '', p_kind, p_target, p_name);
    INSERT INTO inbox (device_id, conversation_id, seq, created_at)
    SELECT dv.id, p_conv, v_seq, p_now
    FROM members m JOIN devices dv ON dv.user_id = m.user_id AND dv.revoked_at IS NULL
    WHERE m.conversation_id = p_conv;
    RETURN v_seq;
END;
$$;

-- Creates a group: the creator is its admin, the members join at seq 0, seq 1 is KIND_CREATED.
CREATE FUNCTION tidings_create_group(p_creator bigint, p_name text, p_members bigint[],
                                     p_now timestamptz)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_conv bigint;
BEGIN
    INSERT INTO conversations (kind, title) VALUES (2, p_name) RETURNING id INTO v_conv;
    INSERT INTO members (conversation_id, user_id, role, joined_seq, joined_at)
    VALUES (v_conv, p_creator, 1, 0, p_now);
    INSERT INTO members (conversation_id, user_id, role, joined_seq, joined_at)
    SELECT v_conv, u, 0, 0, p_now + make_interval(secs => 0.000001 * o)
    FROM unnest(p_members) WITH ORDINALITY AS x(u, o)
    WHERE u <> p_creator
    ON CONFLICT DO NOTHING;
    PERFORM tidings_add_event(v_conv, p_creator, 0, NULL, p_name, p_now);
    RETURN v_conv;
END;
$$;

-- One membership or settings change, authorised here, with its system event(s) stored in the
-- same transaction. Actions: 0 add, 1 remove, 2 promote, 3 demote, 4 leave, 5 rename.
-- status: 0 done (seq = first event), 1 actor not a member, 2 no such conversation,
-- 3 not admin, 4 group full, 5 target not a member, 6 nothing to change, 7 not a group,
-- 8 the last admin cannot demote itself.
CREATE FUNCTION tidings_group_change(p_actor bigint, p_conv bigint, p_action int,
                                     p_target bigint, p_name text, p_now timestamptz,
                                     p_max_members int)
RETURNS TABLE (status int, seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_kind smallint;
    v_role smallint;
    v_target_role smallint;
    v_seq bigint;
    v_next bigint;
BEGIN
    SELECT c.kind INTO v_kind FROM conversations c WHERE c.id = p_conv FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 2, 0::bigint; RETURN;
    END IF;
    SELECT m.role INTO v_role FROM members m WHERE m.conversation_id = p_conv AND m.user_id = p_actor;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 1, 0::bigint; RETURN;
    END IF;
    IF v_kind <> 2 THEN
        RETURN QUERY SELECT 7, 0::bigint; RETURN;
    END IF;

    IF p_action = 4 THEN
        -- The leaver gets the event of its own leaving, then nothing more.
        v_seq := tidings_add_event(p_conv, p_actor, 3, p_actor, NULL, p_now);
        DELETE FROM members m WHERE m.conversation_id = p_conv AND m.user_id = p_actor;
        IF v_role = 1 AND NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = p_conv
                                      AND m.role = 1) THEN
            -- A group always keeps an admin: the longest-standing member becomes one.
            SELECT m.user_id INTO v_next FROM members m WHERE m.conversation_id = p_conv
            ORDER BY m.joined_at, m.user_id LIMIT 1;
            IF FOUND THEN
                UPDATE members m SET role = 1 WHERE m.conversation_id = p_conv AND m.user_id = v_next;
                PERFORM tidings_add_event(p_conv, 0, 5, v_next, NULL, p_now);
            END IF;
        END IF;
        RETURN QUERY SELECT 0, v_seq; RETURN;
    END IF;

    IF v_role <> 1 THEN
        RETURN QUERY SELECT 3, 0::bigint; RETURN;
    END IF;

    IF p_action = 5 THEN
        UPDATE conversations c SET title = p_name WHERE c.id = p_conv;
        v_seq := tidings_add_event(p_conv, p_actor, 4, NULL, p_name, p_now);
        RETURN QUERY SELECT 0, v_seq; RETURN;
    END IF;

    SELECT m.role INTO v_target_role FROM members m
    WHERE m.conversation_id = p_conv AND m.user_id = p_target;
    IF p_action = 0 THEN
        IF FOUND THEN
            RETURN QUERY SELECT 6, 0::bigint; RETURN;
        END IF;
        IF (SELECT count(*) FROM members m WHERE m.conversation_id = p_conv) >= p_max_members THEN
            RETURN QUERY SELECT 4, 0::bigint; RETURN;
        END IF;
        -- Joined after everything so far: the new member sees its own "added" event onwards.
        -- Its cursors start at its join: it never gets the earlier messages, so it must not
        -- hold back the group's ticks for them.
        INSERT INTO members (conversation_id, user_id, role, joined_seq, joined_at,
                             delivered_seq, read_seq)
        SELECT p_conv, p_target, 0, c.last_seq, p_now, c.last_seq, c.last_seq
        FROM conversations c WHERE c.id = p_conv;
        v_seq := tidings_add_event(p_conv, p_actor, 1, p_target, NULL, p_now);
        RETURN QUERY SELECT 0, v_seq; RETURN;
    END IF;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 5, 0::bigint; RETURN;
    END IF;
    IF p_action = 1 THEN
        v_seq := tidings_add_event(p_conv, p_actor, 2, p_target, NULL, p_now);
        DELETE FROM members m WHERE m.conversation_id = p_conv AND m.user_id = p_target;
    ELSIF p_action = 2 THEN
        IF v_target_role = 1 THEN
            RETURN QUERY SELECT 6, 0::bigint; RETURN;
        END IF;
        UPDATE members m SET role = 1 WHERE m.conversation_id = p_conv AND m.user_id = p_target;
        v_seq := tidings_add_event(p_conv, p_actor, 5, p_target, NULL, p_now);
    ELSIF p_action = 3 THEN
        IF v_target_role = 0 THEN
            RETURN QUERY SELECT 6, 0::bigint; RETURN;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = p_conv AND m.role = 1
                       AND m.user_id <> p_target) THEN
            RETURN QUERY SELECT 8, 0::bigint; RETURN;
        END IF;
        UPDATE members m SET role = 0 WHERE m.conversation_id = p_conv AND m.user_id = p_target;
        v_seq := tidings_add_event(p_conv, p_actor, 6, p_target, NULL, p_now);
    END IF;
    RETURN QUERY SELECT 0, v_seq;
END;
$$;

-- Receipts now also report each conversation's lowest cursors over all members (group ticks).
-- Per cursor row that moved: conv_kind, the new lowest cursors and whether they changed.
DROP FUNCTION tidings_ack_batch(bigint[], bigint[], bigint[], bigint[], bigint[]);
CREATE FUNCTION tidings_ack_batch(p_users bigint[], p_devices bigint[], p_convs bigint[],
                                  p_delivered bigint[], p_read bigint[])
RETURNS TABLE (kind text, idx bigint, conversation_id bigint, user_id bigint,
               delivered_seq bigint, read_seq bigint, conv_kind smallint,
               all_delivered bigint, all_read bigint, all_changed boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
-- Receipts need no synchronous commit: a cursor lost in a database crash only means the device
-- acks again and gets a few messages twice, which it de-duplicates.
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
),
-- members is read at the statement's snapshot (old cursors); up_members has the new ones.
aggregates AS (
    SELECT m.conversation_id AS conv,
           min(m.delivered_seq) AS old_d, min(m.read_seq) AS old_r,
           min(COALESCE(u.delivered_seq, m.delivered_seq)) AS new_d,
           min(COALESCE(u.read_seq, m.read_seq)) AS new_r
    FROM members m
    LEFT JOIN up_members u ON u.conversation_id = m.conversation_id AND u.user_id = m.user_id
    WHERE m.conversation_id IN (SELECT DISTINCT x.conversation_id FROM up_members x)
    GROUP BY m.conversation_id
)
SELECT 'c', 0::bigint, u.conversation_id, u.user_id, u.delivered_seq, u.read_seq, c.kind,
       a.new_d, a.new_r, (a.new_d <> a.old_d OR a.new_r <> a.old_r)
FROM up_members u
JOIN aggregates a ON a.conv = u.conversation_id
JOIN conversations c ON c.id = u.conversation_id
UNION ALL
SELECT 'x', i.idx, i.conv, i.user_id, 0::bigint, 0::bigint, 0::smallint, 0::bigint, 0::bigint, false
FROM input i
WHERE NOT EXISTS (SELECT 1 FROM valid v WHERE v.idx = i.idx);
END;
$$;

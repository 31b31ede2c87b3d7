-- tidings_send_batch(p_users, p_devices, p_convs, p_client_ids, p_payloads, p_encrypted,
--                    p_env_idx, p_env_devices, p_env_payloads, p_now)
-- RETURNS TABLE (idx bigint, status int, seq bigint, created_at timestamptz, duplicate boolean)
--
-- Stores a batch of messages in one statement (group commit: one transaction, one WAL flush for
-- the whole batch). The first six arrays are parallel, one element per send; the three p_env_*
-- arrays are parallel, one element per envelope (a per-device ciphertext), p_env_idx being the
-- 1-based index of the send it belongs to. One result row per send, in input order (idx).
--
-- status (never raised: one refused send must not abort the others of its batch):
--   0 STORED           stored; seq and created_at are the message's. duplicate = true when it
--                      is a resend (same sender device, client message id and conversation,
--                      earlier or earlier in this batch): seq and created_at are the original's.
--                      The same client message id in another conversation is another message.
--   1 NOT_MEMBER       the sender is not a member of the conversation (seq 0)
--   2 NO_CONVERSATION  the conversation does not exist (seq 0)
--   3 BLOCKED          1:1 only: the other member has blocked the sender (seq 0)
--
-- Seqs are assigned per conversation in idx order under the conversation row's lock, inside
-- the storing transaction: gap-free. In a 1:1 conversation every other non-revoked device of
-- both members gets an inbox entry (an envelope-only send only its addressees); groups have none
-- (fan-out on read). The sender's own cursors move to its message.
-- The signature before schema version 3 (without encryption and envelopes); a database
-- upgraded from an older schema still has it.
DROP FUNCTION IF EXISTS tidings_send_batch(bigint[], bigint[], bigint[], text[], bytea[],
                                           timestamptz);

CREATE OR REPLACE FUNCTION tidings_send_batch(p_users bigint[], p_devices bigint[], p_convs bigint[],
                                   p_client_ids text[], p_payloads bytea[], p_encrypted boolean[],
                                   p_env_idx bigint[], p_env_devices bigint[],
                                   p_env_payloads bytea[], p_now timestamptz)
RETURNS TABLE (idx bigint, status int, seq bigint, created_at timestamptz, duplicate boolean)
-- plpgsql (not a SQL function) so the plan of this large statement is cached per session.
LANGUAGE plpgsql
-- Every lookup here is by key for the few rows of a batch: nested loops over index scans are
-- right whatever the statistics say. Left to the planner, a fresh server (tables never analyzed:
-- autovacuum's first pass comes a minute or more later) cached hash joins over whole-table scans
-- of send_dedup and members for the session, so every batch read every row it had ever stored
-- (295M tuples read in 30 s of 1,000 msg/s; p50 2.3 -> 15 ms over five 10 s runs).
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
#variable_conflict use_column
BEGIN
-- The same resend may be stored by two connections at once: in a cluster, a device's old
-- connection on one node and its new one on another. Each statement would miss the other's
-- send_dedup row in its snapshot, and the message would be stored twice. So the conversations'
-- rows are locked first, in a statement of its own (in id order: batches cannot deadlock on
-- them), as the UPDATE below would lock them: the second batch waits until the first commits,
-- and the statement below then starts with a snapshot that sees its rows (READ COMMITTED).
PERFORM 1 FROM conversations c WHERE c.id = ANY (p_convs) ORDER BY c.id FOR NO KEY UPDATE;
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
    SELECT DISTINCT ON (device_id, client_id, conv) * FROM input
    ORDER BY device_id, client_id, conv, idx
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
    -- One row per (device, client id, conversation): a client reusing one id in two
    -- conversations gets two messages, each deduplicated. A conflict cannot happen (stored_before
    -- excluded them) but must never abort the batch (other people's sends share it).
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
-- Only 1:1 conversations have inbox rows. A group's backlog for a device is read from the
-- messages past its delivered cursor (fan-out on read): a 500-member group's message is one row,
-- not 500 (see docs/ARCHITECTURE.md, Delivery).
ins_inbox AS (
    INSERT INTO inbox (device_id, conversation_id, seq, created_at)
    SELECT dv.id, a.conv, a.seq, p_now
    FROM assigned a
    JOIN conversations c ON c.id = a.conv AND c.kind <> 2
    JOIN members m ON m.conversation_id = a.conv
    JOIN devices dv ON dv.user_id = m.user_id AND dv.id <> a.device_id AND dv.revoked_at IS NULL
    -- An envelope-only send (sender-key distribution, resend) is for its addressees only.
    WHERE octet_length(a.payload) > 0
       OR EXISTS (SELECT 1 FROM env e WHERE e.env_idx = a.idx AND e.env_device = dv.id)
),
first_result AS (
    SELECT f.device_id, f.client_id, f.conv,
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
                        AND r.conv = i.conv
ORDER BY i.idx;
END;
$$;

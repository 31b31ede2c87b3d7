-- tidings_ack_batch(p_users, p_devices, p_convs, p_delivered, p_read)
-- RETURNS TABLE (kind text, idx bigint, conversation_id bigint, user_id bigint,
--                delivered_seq bigint, read_seq bigint, conv_kind smallint,
--                all_delivered bigint, all_read bigint, all_changed boolean)
--
-- Advances a batch of device cursors (receipts; clamped to each conversation's last seq, read
-- implies delivered) and the users' cursors (members: the highest over their devices),
-- monotonically. The arrays are parallel, one element per ack.
--
-- kind (a row type, never raised):
--   'c' MOVED    one row per user cursor that moved: conversation_id, user_id, the user's new
--                delivered_seq and read_seq, conv_kind (1 direct, 2 group), the conversation's
--                new lowest cursors over all members (all_delivered, all_read) and whether those
--                changed (all_changed). idx is 0.
--   'x' REFUSED  one row per input element refused because the user is not a member of the
--                conversation (or it does not exist): idx is its 1-based index, the cursors 0.
--
-- Commits asynchronously (synchronous_commit off for its own transaction): a cursor lost in a
-- database crash is re-acked by the device. See docs/ARCHITECTURE.md, Durability.
--
-- Schema version 1 returned only the first six columns; CREATE OR REPLACE cannot change a
-- return type, so that older function is dropped first.
DO $$
BEGIN
    IF (SELECT cardinality(p.proallargtypes) FROM pg_proc p
        WHERE p.oid = to_regprocedure(
            'tidings_ack_batch(bigint[], bigint[], bigint[], bigint[], bigint[])')) = 11 THEN
        DROP FUNCTION tidings_ack_batch(bigint[], bigint[], bigint[], bigint[], bigint[]);
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION tidings_ack_batch(p_users bigint[], p_devices bigint[], p_convs bigint[],
                                  p_delivered bigint[], p_read bigint[])
RETURNS TABLE (kind text, idx bigint, conversation_id bigint, user_id bigint,
               delivered_seq bigint, read_seq bigint, conv_kind smallint,
               all_delivered bigint, all_read bigint, all_changed boolean)
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

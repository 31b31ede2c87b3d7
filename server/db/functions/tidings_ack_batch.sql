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
DECLARE
    v_convs bigint[];
    v_old_conv bigint[];
    v_old_d bigint[];
    v_old_r bigint[];
    v_mc bigint[];
    v_mu bigint[];
    v_md bigint[];
    v_mr bigint[];
    v_refused bigint[];
BEGIN
-- Receipts need no synchronous commit: a cursor lost in a database crash only means the device
-- acks again and gets a few messages twice, which it de-duplicates.
PERFORM set_config('synchronous_commit', 'off', true);
-- The lowest cursors are read before and after the update, each a range scan of one
-- conversation's member rows (500 for a big group). They used to come from one statement that
-- joined every member row to the batch's moved cursors (a CTE without an index: members × batch
-- tuple comparisons, most of PostgreSQL's time while a 500-member group ran flat out).
-- Acks of one conversation are serialized on its lane's connection (ShardLanes), so nothing moves
-- in between.
v_convs := ARRAY(SELECT DISTINCT c FROM unnest(p_convs) AS c);
SELECT array_agg(a.conv), array_agg(a.d), array_agg(a.r)
INTO v_old_conv, v_old_d, v_old_r
FROM (SELECT m.conversation_id AS conv, min(m.delivered_seq) AS d, min(m.read_seq) AS r
      FROM members m WHERE m.conversation_id = ANY (v_convs)
      GROUP BY m.conversation_id) a;

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
SELECT moved.c, moved.u, moved.d, moved.r,
       -- By key, not against the valid CTE: that anti-join compared every ack with every
       -- other one (a CTE has no index), a third of the time of 512-ack batches.
       (SELECT array_agg(i.idx) FROM input i
        WHERE NOT EXISTS (SELECT 1 FROM members m
                          WHERE m.conversation_id = i.conv AND m.user_id = i.user_id)
           OR NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = i.conv))
FROM (SELECT array_agg(u.conversation_id) AS c, array_agg(u.user_id) AS u,
             array_agg(u.delivered_seq) AS d, array_agg(u.read_seq) AS r
      FROM up_members u) moved
INTO v_mc, v_mu, v_md, v_mr, v_refused;

-- Only this batch's own rows from here on (arrays and one conversation's members): hash joins
-- are right for them.
PERFORM set_config('enable_hashjoin', 'on', true);
RETURN QUERY
WITH moved AS (
    SELECT * FROM unnest(v_mc, v_mu, v_md, v_mr) AS t(conv, uid, d, r)
),
new_agg AS (
    SELECT m.conversation_id AS conv, min(m.delivered_seq) AS d, min(m.read_seq) AS r
    FROM members m
    WHERE m.conversation_id = ANY (ARRAY(SELECT DISTINCT mv.conv FROM moved mv))
    GROUP BY m.conversation_id
),
old_agg AS (
    SELECT * FROM unnest(v_old_conv, v_old_d, v_old_r) AS t(conv, d, r)
)
SELECT 'c', 0::bigint, mv.conv, mv.uid, mv.d, mv.r, c.kind, n.d, n.r,
       (n.d <> o.d OR n.r <> o.r)
FROM moved mv
JOIN new_agg n ON n.conv = mv.conv
JOIN old_agg o ON o.conv = mv.conv
JOIN conversations c ON c.id = mv.conv
UNION ALL
SELECT 'x', x.idx, p_convs[x.idx::int], p_users[x.idx::int], 0::bigint, 0::bigint, 0::smallint, 0::bigint,
       0::bigint, false
FROM unnest(v_refused) AS x(idx);
END;
$$;

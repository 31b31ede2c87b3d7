-- tidings_send_batch_media(p_users, p_devices, p_convs, p_client_ids, p_payloads, p_encrypted,
--                          p_env_idx, p_env_devices, p_env_payloads, p_att_idx, p_att_blobs,
--                          p_now)
-- RETURNS TABLE (idx bigint, status int, seq bigint, created_at timestamptz, duplicate boolean)
--
-- tidings_send_batch for a batch in which some sends name blobs (SendRequest.
-- attachment_blob_ids): the same arguments and results, plus two parallel arrays, p_att_idx
-- (the 1-based index of the send) and p_att_blobs (a hex blob id). In the same transaction as
-- the messages, every newly stored send (status 0, not a duplicate) gets a media_refs row per
-- blob it names, and those blobs' last_referenced_at moves to p_now.
-- Batches without attachments call tidings_send_batch itself: text messages pay nothing for
-- media.
--
-- status: those of tidings_send_batch, and
--   4 NO_SUCH_BLOB     the send names a blob the server does not hold, whose finish has not
--                      completed (not ready), or that is being collected: the message would
--                      point to nothing. Nothing of it is stored (seq 0); its sender uploads the
--                      file again and resends. Checked before membership. A resend of a message
--                      stored before (send_dedup knows its device, client message id and
--                      conversation) is not refused: tidings_send_batch reports it as the
--                      duplicate it is, with its original seq (its references were recorded when
--                      it was stored). The other sends of the batch are unaffected.
--
-- Concurrency with the collector (tidings_media_collect, Read Committed like everything here):
-- this function first locks the named blobs that may be referenced (ready AND NOT collecting)
-- FOR NO KEY UPDATE in id order, and only then decides what is refused and stores the rest; the
-- collector locks its candidates FOR NO KEY UPDATE in id order too before it marks them, and
-- decides with a snapshot taken after its locks. For one blob, whoever locks first wins:
--   - the collector first: this lock waits for its commit, then re-checks the WHERE on the row
--     as committed (Read Committed re-check of a locked row): a blob marked collecting is not
--     locked, not usable, and the send is refused; one it left alone is usable.
--   - this send first: the collector's lock waits for this commit; its UPDATE then sees the
--     media_refs row and last_referenced_at = p_now this transaction wrote, and leaves the blob
--     alone (a send that was not stored referenced nothing, and the blob may go).
-- So a stored message never points to a blob being collected, and a collected blob was
-- referenced by nothing. FOR NO KEY UPDATE rather than FOR SHARE: this transaction updates the
-- same rows (last_referenced_at) later, and two sends sharing a blob would each wait for the
-- other's share lock to go (a deadlock); with the stronger lock the second simply waits for the
-- first, as it would for that update anyway. Both sides take their locks in id order before
-- anything else on media_blobs, so they cannot wait for each other in a cycle; the conversation
-- rows tidings_send_batch locks come after the blobs.
CREATE OR REPLACE FUNCTION tidings_send_batch_media(p_users bigint[], p_devices bigint[],
                                                    p_convs bigint[], p_client_ids text[],
                                                    p_payloads bytea[], p_encrypted boolean[],
                                                    p_env_idx bigint[], p_env_devices bigint[],
                                                    p_env_payloads bytea[], p_att_idx bigint[],
                                                    p_att_blobs text[], p_now timestamptz)
RETURNS TABLE (idx bigint, status int, seq bigint, created_at timestamptz, duplicate boolean)
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
    v_usable text[];     -- the named blobs a message may reference, locked
    v_refused bigint[];  -- indexes of the sends refused with status 4
    v_keep bigint[];     -- when some are refused: the indexes passed on, ascending (else NULL)
    v_users bigint[];
    v_devices bigint[];
    v_convs bigint[];
    v_client_ids text[];
    v_payloads bytea[];
    v_encrypted boolean[];
    v_env_idx bigint[];
    v_env_devices bigint[];
    v_env_payloads bytea[];
BEGIN
    SELECT COALESCE(array_agg(l.id), '{}') INTO v_usable
    FROM (SELECT b.id FROM media_blobs b
          WHERE b.id = ANY (p_att_blobs) AND b.ready AND NOT b.collecting
          ORDER BY b.id
          FOR NO KEY UPDATE OF b) l;

    SELECT COALESCE(array_agg(DISTINCT a.att_idx), '{}') INTO v_refused
    FROM unnest(p_att_idx, p_att_blobs) AS a(att_idx, blob)
    WHERE NOT (a.blob = ANY (v_usable))
      AND NOT EXISTS (SELECT 1 FROM send_dedup d
                      WHERE d.device_id = p_devices[a.att_idx]
                        AND d.client_message_id = p_client_ids[a.att_idx]
                        AND d.conversation_id = p_convs[a.att_idx]);

    IF cardinality(v_refused) > 0 THEN
        -- The other sends go on as a batch of their own (NULL variables below: the arguments
        -- as they came, without copying them).
        SELECT COALESCE(array_agg(i ORDER BY i), '{}') INTO v_keep
        FROM generate_series(1, cardinality(p_users)) AS i
        WHERE NOT (i = ANY (v_refused));
        SELECT COALESCE(array_agg(p_users[k.old_idx] ORDER BY k.new_idx), '{}'),
               COALESCE(array_agg(p_devices[k.old_idx] ORDER BY k.new_idx), '{}'),
               COALESCE(array_agg(p_convs[k.old_idx] ORDER BY k.new_idx), '{}'),
               COALESCE(array_agg(p_client_ids[k.old_idx] ORDER BY k.new_idx), '{}'),
               COALESCE(array_agg(p_payloads[k.old_idx] ORDER BY k.new_idx), '{}'),
               COALESCE(array_agg(p_encrypted[k.old_idx] ORDER BY k.new_idx), '{}')
        INTO v_users, v_devices, v_convs, v_client_ids, v_payloads, v_encrypted
        FROM unnest(v_keep) WITH ORDINALITY AS k(old_idx, new_idx);
        SELECT COALESCE(array_agg(k.new_idx ORDER BY e.ord), '{}'),
               COALESCE(array_agg(e.device ORDER BY e.ord), '{}'),
               COALESCE(array_agg(e.payload ORDER BY e.ord), '{}')
        INTO v_env_idx, v_env_devices, v_env_payloads
        FROM unnest(p_env_idx, p_env_devices, p_env_payloads)
             WITH ORDINALITY AS e(send_idx, device, payload, ord)
        JOIN unnest(v_keep) WITH ORDINALITY AS k(old_idx, new_idx) ON k.old_idx = e.send_idx;
    END IF;

    RETURN QUERY
    WITH stored AS (
        SELECT COALESCE(v_keep[s.idx], s.idx) AS idx, s.status, s.seq, s.created_at, s.duplicate
        FROM tidings_send_batch(COALESCE(v_users, p_users), COALESCE(v_devices, p_devices),
                                COALESCE(v_convs, p_convs),
                                COALESCE(v_client_ids, p_client_ids),
                                COALESCE(v_payloads, p_payloads),
                                COALESCE(v_encrypted, p_encrypted),
                                COALESCE(v_env_idx, p_env_idx),
                                COALESCE(v_env_devices, p_env_devices),
                                COALESCE(v_env_payloads, p_env_payloads), p_now) s
    ),
    att AS (
        SELECT DISTINCT a.blob, p_convs[s.idx] AS conv, s.seq
        FROM stored s
        JOIN unnest(p_att_idx, p_att_blobs) AS a(att_idx, blob) ON a.att_idx = s.idx
        WHERE s.status = 0 AND NOT s.duplicate AND a.blob = ANY (v_usable)
    ),
    ins_refs AS (
        INSERT INTO media_refs (blob_id, conversation_id, seq, created_at)
        SELECT att.blob, att.conv, att.seq, p_now FROM att
        ON CONFLICT DO NOTHING
    ),
    referenced AS (
        UPDATE media_blobs b SET last_referenced_at = GREATEST(b.last_referenced_at, p_now)
        WHERE b.id IN (SELECT att.blob FROM att)
    )
    SELECT r.idx, r.status, r.seq, r.created_at, r.duplicate
    FROM (SELECT s.idx, s.status, s.seq, s.created_at, s.duplicate FROM stored s
          UNION ALL
          SELECT x.i, 4, 0::bigint, p_now, false FROM unnest(v_refused) AS x(i)) r
    ORDER BY r.idx;
END;
$$;

-- tidings_send_batch_media(p_users, p_devices, p_convs, p_client_ids, p_payloads, p_encrypted,
--                          p_env_idx, p_env_devices, p_env_payloads, p_att_idx, p_att_blobs,
--                          p_now)
-- RETURNS TABLE (idx bigint, status int, seq bigint, created_at timestamptz, duplicate boolean)
--
-- tidings_send_batch for a batch in which some sends name blobs (SendRequest.
-- attachment_blob_ids): the same arguments and results, plus two parallel arrays, p_att_idx
-- (the 1-based index of the send) and p_att_blobs (a hex blob id). In the same transaction as
-- the messages, every newly stored send (status 0, not a duplicate) gets a media_refs row per
-- blob it names that the server holds (ids it does not hold are ignored: the server cannot see
-- what the payload says about them), and those blobs' last_referenced_at moves to p_now.
-- Batches without attachments call tidings_send_batch itself: text messages pay nothing for
-- media.
CREATE OR REPLACE FUNCTION tidings_send_batch_media(p_users bigint[], p_devices bigint[],
                                                    p_convs bigint[], p_client_ids text[],
                                                    p_payloads bytea[], p_encrypted boolean[],
                                                    p_env_idx bigint[], p_env_devices bigint[],
                                                    p_env_payloads bytea[], p_att_idx bigint[],
                                                    p_att_blobs text[], p_now timestamptz)
RETURNS TABLE (idx bigint, status int, seq bigint, created_at timestamptz, duplicate boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH stored AS (
    SELECT s.idx, s.status, s.seq, s.created_at, s.duplicate
    FROM tidings_send_batch(p_users, p_devices, p_convs, p_client_ids, p_payloads, p_encrypted,
                            p_env_idx, p_env_devices, p_env_payloads, p_now) s
),
att AS (
    SELECT DISTINCT a.blob, p_convs[s.idx] AS conv, s.seq
    FROM stored s
    JOIN unnest(p_att_idx, p_att_blobs) AS a(att_idx, blob) ON a.att_idx = s.idx
    WHERE s.status = 0 AND NOT s.duplicate
      AND EXISTS (SELECT 1 FROM media_blobs b WHERE b.id = a.blob)
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
SELECT s.idx, s.status, s.seq, s.created_at, s.duplicate FROM stored s ORDER BY s.idx;
END;
$$;

-- tidings_media_collect(p_now, p_upload_hours, p_grace_hours, p_media_days, p_limit)
-- RETURNS TABLE (kind text, id text)
--
-- The media store's expiry, run by the server's maintenance. Returns what the caller must
-- delete on disk (at most p_limit of each kind per call, oldest first):
--   kind 'upload'  unfinished uploads created more than p_upload_hours before p_now; their rows
--                  are deleted here.
--   kind 'blob'    blobs no message can reach any more, now marked collecting: not touched
--                  (uploaded or finished onto) and not referenced within p_grace_hours, and
--                  either without any reference row (never referenced, or every referencing
--                  message was dropped by history retention together with its month's
--                  media_refs partition), or, when p_media_days > 0, last referenced more than
--                  p_media_days before p_now. Rows that are not ready (a finish that failed or
--                  was cut short) go the same way, and so do rows marked by an earlier run whose
--                  files may not be gone yet. The caller deletes each file, then the row with
--                  tidings_media_forget.
-- Blobs are marked in two steps: the candidates are locked FOR NO KEY UPDATE in id order, then
-- the UPDATE decides with a snapshot taken after those locks. A send that references a blob at
-- this moment (tidings_send_batch_media, which locks the blobs it names the same way) either
-- locked it first, and then this lock waited for its commit and the UPDATE sees its reference
-- and last_referenced_at and keeps the blob; or it waits for this commit, finds the blob
-- collecting and is refused. (Without the separate lock, the UPDATE's Read Committed re-check
-- of a row a send changed meanwhile would judge it by its own columns only, with media_refs as
-- of its older snapshot; and it would lock rows in no particular order.)
-- Runs on the same pool connection as tidings_media_begin_finish (see there).
-- No status codes: it succeeds or raises.
CREATE OR REPLACE FUNCTION tidings_media_collect(p_now timestamptz, p_upload_hours int,
                                                 p_grace_hours int, p_media_days int,
                                                 p_limit int)
RETURNS TABLE (kind text, id text)
LANGUAGE plpgsql AS $$
DECLARE
    v_grace timestamptz := p_now - make_interval(hours => p_grace_hours);
    v_locked text[];
BEGIN
    RETURN QUERY
    WITH gone AS (
        DELETE FROM media_uploads u
        WHERE u.id IN (SELECT x.id FROM media_uploads x
                       WHERE x.created_at < p_now - make_interval(hours => p_upload_hours)
                       ORDER BY x.created_at LIMIT p_limit)
        RETURNING u.id
    )
    SELECT 'upload'::text, gone.id FROM gone;

    SELECT COALESCE(array_agg(l.id), '{}') INTO v_locked
    FROM (SELECT b.id FROM media_blobs b
          WHERE b.id IN (
              SELECT x.id FROM media_blobs x
              WHERE x.collecting
                 OR (x.touched_at < v_grace
                     AND (NOT EXISTS (SELECT 1 FROM media_refs r WHERE r.blob_id = x.id)
                          OR (p_media_days > 0 AND COALESCE(x.last_referenced_at, x.created_at)
                                                   < p_now - make_interval(days => p_media_days))))
              ORDER BY x.collecting DESC, x.touched_at LIMIT p_limit)
          ORDER BY b.id
          FOR NO KEY UPDATE OF b) l;

    RETURN QUERY
    WITH marked AS (
        UPDATE media_blobs b SET collecting = true
        WHERE b.id = ANY (v_locked)
          AND (b.collecting
               OR (b.touched_at < v_grace
                   AND (b.last_referenced_at IS NULL OR b.last_referenced_at < v_grace)
                   AND (NOT EXISTS (SELECT 1 FROM media_refs r WHERE r.blob_id = b.id)
                        OR (p_media_days > 0 AND COALESCE(b.last_referenced_at, b.created_at)
                                                 < p_now - make_interval(days => p_media_days)))))
        RETURNING b.id
    )
    SELECT 'blob'::text, marked.id FROM marked;
END;
$$;

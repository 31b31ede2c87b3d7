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
-- A send that references a blob at this moment either moves last_referenced_at first (and the
-- row-level check below keeps the blob) or finds the blob collecting.
-- Runs on the same pool connection as tidings_media_begin_finish (see there).
-- No status codes: it succeeds or raises.
CREATE OR REPLACE FUNCTION tidings_media_collect(p_now timestamptz, p_upload_hours int,
                                                 p_grace_hours int, p_media_days int,
                                                 p_limit int)
RETURNS TABLE (kind text, id text)
LANGUAGE plpgsql AS $$
DECLARE
    v_grace timestamptz := p_now - make_interval(hours => p_grace_hours);
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

    RETURN QUERY
    WITH marked AS (
        UPDATE media_blobs b SET collecting = true
        WHERE b.id IN (
            SELECT x.id FROM media_blobs x
            WHERE x.collecting
               OR (x.touched_at < v_grace
                   AND (NOT EXISTS (SELECT 1 FROM media_refs r WHERE r.blob_id = x.id)
                        OR (p_media_days > 0 AND COALESCE(x.last_referenced_at, x.created_at)
                                                 < p_now - make_interval(days => p_media_days))))
            ORDER BY x.collecting DESC, x.touched_at LIMIT p_limit)
          AND (b.collecting
               OR (b.touched_at < v_grace
                   AND (b.last_referenced_at IS NULL OR b.last_referenced_at < v_grace)))
        RETURNING b.id
    )
    SELECT 'blob'::text, marked.id FROM marked;
END;
$$;

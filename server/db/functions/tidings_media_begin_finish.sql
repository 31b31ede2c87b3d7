-- tidings_media_begin_finish(p_upload, p_user, p_device, p_blob, p_now)
-- RETURNS TABLE (status int, size bigint)
--
-- The first step of finishing an upload, before its bytes are hashed: checks that the upload is
-- p_user's and the device is not revoked, and makes sure a row for the blob p_blob (the hex
-- SHA-256 the client announced) exists, so that a file the finish moves into DATA/media/blobs
-- always has a row the collector can find, even if the server dies right after the move. A new
-- row is not ready (not counted, collected like an unreferenced blob unless the finish
-- completes); an existing one gets touched_at = p_now and is no longer being collected, so the
-- collector leaves it alone while this upload's client goes on to send the message that points
-- to it (if its file was being deleted, the server waits for that before it moves this upload's
-- file in: see MediaService). A row taken back from collecting is not ready any more: its file
-- is being deleted (or may be, after a crash), so a send naming the blob is refused
-- (tidings_send_batch_media) until the finish's last step (PgMediaStore::endFinish), once this
-- upload's file is in place, makes it ready again.
--
-- Runs on the same pool connection as tidings_media_collect: a collection and a finish of the
-- same blob are then ordered, and the server never deduplicates onto a file it is deleting.
--
-- status (never raised):
--   0 OK              size is the upload's declared size
--   1 REVOKED         the device is revoked or not the user's
--   2 NO_SUCH_UPLOAD  no unfinished upload p_upload of p_user
CREATE OR REPLACE FUNCTION tidings_media_begin_finish(p_upload text, p_user bigint,
                                                      p_device bigint, p_blob text,
                                                      p_now timestamptz)
RETURNS TABLE (status int, size bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_size bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM devices d
                   WHERE d.id = p_device AND d.user_id = p_user AND d.revoked_at IS NULL) THEN
        RETURN QUERY SELECT 1, 0::bigint;
        RETURN;
    END IF;
    SELECT u.declared_size INTO v_size FROM media_uploads u
    WHERE u.id = p_upload AND u.user_id = p_user;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 2, 0::bigint;
        RETURN;
    END IF;
    INSERT INTO media_blobs AS b (id, size, uploader_id, ready, created_at, touched_at)
    VALUES (p_blob, v_size, p_user, false, p_now, p_now)
    ON CONFLICT (id) DO UPDATE SET touched_at = GREATEST(b.touched_at, EXCLUDED.touched_at),
                                   ready = b.ready AND NOT b.collecting,
                                   collecting = false;
    RETURN QUERY SELECT 0, v_size;
END;
$$;

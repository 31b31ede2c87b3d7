-- tidings_media_create_upload(p_id, p_user, p_device, p_declared, p_quota, p_max_open, p_now)
-- RETURNS TABLE (status int, used bigint)
--
-- Records a new upload of p_declared bytes for p_user's device p_device, if it fits. The user's
-- row is locked first, so two creations of one user are checked one after the other (the quota
-- cannot be overrun by racing them). "used" counts the user's ready blobs plus the declared
-- sizes of the user's unfinished uploads.
--
-- status (never raised):
--   0 CREATED           recorded; used includes p_declared
--   1 REVOKED           the device is revoked or not the user's; nothing recorded (used 0)
--   2 QUOTA_EXCEEDED    used + p_declared > p_quota; used is what is in use now
--   3 TOO_MANY_UPLOADS  the user has p_max_open unfinished uploads already
CREATE OR REPLACE FUNCTION tidings_media_create_upload(p_id text, p_user bigint, p_device bigint,
                                                       p_declared bigint, p_quota bigint,
                                                       p_max_open int, p_now timestamptz)
RETURNS TABLE (status int, used bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_open    bigint;
    v_pending bigint;
    v_blobs   bigint;
BEGIN
    PERFORM 1 FROM users WHERE id = p_user FOR UPDATE;
    IF NOT EXISTS (SELECT 1 FROM devices d
                   WHERE d.id = p_device AND d.user_id = p_user AND d.revoked_at IS NULL) THEN
        RETURN QUERY SELECT 1, 0::bigint;
        RETURN;
    END IF;
    SELECT count(*), COALESCE(sum(u.declared_size), 0) INTO v_open, v_pending
    FROM media_uploads u WHERE u.user_id = p_user;
    SELECT COALESCE(sum(b.size), 0) INTO v_blobs
    FROM media_blobs b WHERE b.uploader_id = p_user AND b.ready AND NOT b.collecting;
    IF v_open >= p_max_open THEN
        RETURN QUERY SELECT 3, v_pending + v_blobs;
        RETURN;
    END IF;
    IF v_pending + v_blobs + p_declared > p_quota THEN
        RETURN QUERY SELECT 2, v_pending + v_blobs;
        RETURN;
    END IF;
    INSERT INTO media_uploads (id, user_id, device_id, declared_size, created_at)
    VALUES (p_id, p_user, p_device, p_declared, p_now);
    RETURN QUERY SELECT 0, v_pending + v_blobs + p_declared;
END;
$$;

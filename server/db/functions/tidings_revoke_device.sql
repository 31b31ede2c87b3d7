-- tidings_revoke_device(p_user, p_caller, p_device) RETURNS int (the status)
--
-- Logs p_device (a device of p_user) out: marks it revoked, deletes its token and its one-time
-- prekeys. p_caller is the asking device. A device may always log itself out. Once the user has
-- a signed device list, only a device named in it (one that holds the account key) may log out
-- another: a device that only knows the password must not cut off the user's real devices.
-- Users without a list (no end-to-end keys yet) keep the password's authority. The user's row
-- is locked like tidings_publish_device_list locks it, so no list is published in between.
--
-- status (never raised):
--   0 REVOKED
--   1 NO_SUCH_DEVICE  not a non-revoked device of p_user
--   2 NOT_LINKED      p_caller is not in the user's device list
CREATE OR REPLACE FUNCTION tidings_revoke_device(p_user bigint, p_caller bigint, p_device bigint)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    v_listed bigint[];
BEGIN
    PERFORM 1 FROM users u WHERE u.id = p_user FOR UPDATE;
    IF NOT EXISTS (SELECT 1 FROM devices dv WHERE dv.id = p_device AND dv.user_id = p_user
                   AND dv.revoked_at IS NULL) THEN
        RETURN 1;
    END IF;
    IF p_device <> p_caller THEN
        SELECT l.devices INTO v_listed FROM device_lists l WHERE l.user_id = p_user;
        IF FOUND AND NOT (p_caller = ANY (v_listed)) THEN
            RETURN 2;
        END IF;
    END IF;
    UPDATE devices SET revoked_at = now() WHERE id = p_device;
    DELETE FROM device_tokens WHERE device_id = p_device;
    DELETE FROM one_time_prekeys WHERE device_id = p_device;
    DELETE FROM account_key_handoffs WHERE device_id = p_device;
    RETURN 0;
END;
$$;

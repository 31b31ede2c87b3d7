-- tidings_change_password(p_user, p_caller, p_hash) RETURNS bigint[] (devices logged out), or
-- NULL when p_caller may not change the password (nothing changed)
--
-- Sets the user's password hash (Argon2id string p_hash) and logs out every other device of the
-- user as tidings_revoke_device does: whoever used the old password to log a device in is cut
-- off. Like revocation, once the user has a signed device list only a device named in it (one
-- that holds the account key) may do this: a device that only knows the password must not lock
-- the user's real devices out. The user's row is locked as tidings_publish_device_list locks it.
CREATE OR REPLACE FUNCTION tidings_change_password(p_user bigint, p_caller bigint, p_hash text)
RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    v_listed bigint[];
    v_others bigint[];
BEGIN
    PERFORM 1 FROM users u WHERE u.id = p_user FOR UPDATE;
    SELECT l.devices INTO v_listed FROM device_lists l WHERE l.user_id = p_user;
    IF FOUND AND NOT (p_caller = ANY (v_listed)) THEN
        RETURN NULL;
    END IF;
    UPDATE users SET password_hash = p_hash WHERE id = p_user;
    SELECT COALESCE(array_agg(dv.id ORDER BY dv.id), '{}') INTO v_others FROM devices dv
    WHERE dv.user_id = p_user AND dv.id <> p_caller AND dv.revoked_at IS NULL;
    UPDATE devices SET revoked_at = now() WHERE id = ANY (v_others);
    DELETE FROM device_tokens WHERE device_id = ANY (v_others);
    DELETE FROM one_time_prekeys WHERE device_id = ANY (v_others);
    DELETE FROM account_key_handoffs WHERE device_id = ANY (v_others);
    RETURN v_others;
END;
$$;

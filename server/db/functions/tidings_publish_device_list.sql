-- tidings_publish_device_list(p_user, p_caller, p_version, p_blob, p_aik, p_devices, p_dsks,
--                             p_diks, p_rsk, p_old_aik, p_last_version, p_succession,
--                             p_handoff_devices, p_handoff_blobs, p_password_ok)
-- RETURNS int (the status)
--
-- Stores a verified signed device list (p_devices, p_dsks, p_diks are parallel). A list under
-- another account key than the pinned one needs a succession statement (p_succession, verified
-- by the server before: p_old_aik, p_last_version are its fields) from a device of the current
-- list; it then becomes the pinned key, the statement joins the chain and the handoffs (one per
-- other listed device) replace the user's earlier ones. p_rsk is the recovery key the list names
-- (NULL: none); changing it needs the account's password (p_password_ok).
--
-- status (never raised):
--   0 STORED
--   1 ACCOUNT_KEY_MISMATCH  another account key without a succession statement
--   2 NOT_NEWER             the version is not newer than the stored one
--   3 UNKNOWN_DEVICE        a listed device is not the user's, is revoked or has published no
--                           keys
--   4 DEVICE_KEY_MISMATCH   a listed device's DSK/DIK differ from the ones it published
--   6 NOT_SUCCESSOR         the statement's old key is not the pinned one (another device won a
--                           race), or its new key was succeeded before
--   7 NOT_LINKED            a succession from a device that is not in the current list
--   8 LAST_VERSION_MISMATCH the statement's last version is not the stored list's, or the list
--                           is not the next version
--   9 TOO_MANY_SUCCESSIONS  10 successions of the user in 24 hours already
--  10 PASSWORD_REQUIRED     the list names another recovery key and no verified password came
DROP FUNCTION IF EXISTS tidings_publish_device_list(bigint, bigint, bytea, bytea, bigint[], bytea[],
                                                    bytea[]);
CREATE OR REPLACE FUNCTION tidings_publish_device_list(p_user bigint, p_caller bigint,
        p_version bigint, p_blob bytea, p_aik bytea, p_devices bigint[], p_dsks bytea[],
        p_diks bytea[], p_rsk bytea, p_old_aik bytea, p_last_version bigint, p_succession bytea,
        p_handoff_devices bigint[], p_handoff_blobs bytea[], p_password_ok boolean)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    v_pinned bytea;
    v_rsk bytea;
    v_version bigint;
    v_listed bigint[];
    v_succeeds boolean := false;
BEGIN
    SELECT u.account_key, u.recovery_key INTO v_pinned, v_rsk FROM users u
    WHERE u.id = p_user FOR UPDATE;
    SELECT l.version, l.devices INTO v_version, v_listed FROM device_lists l
    WHERE l.user_id = p_user;
    IF v_pinned IS NOT NULL AND v_pinned <> p_aik THEN
        IF p_succession IS NULL THEN
            RETURN 1;
        END IF;
        IF p_old_aik <> v_pinned OR EXISTS (SELECT 1 FROM account_key_successions s
                                            WHERE s.user_id = p_user AND s.old_key = p_aik) THEN
            RETURN 6;
        END IF;
        IF v_listed IS NULL OR NOT (p_caller = ANY (v_listed)) THEN
            RETURN 7;
        END IF;
        IF p_last_version <> v_version OR p_version <> v_version + 1 THEN
            RETURN 8;
        END IF;
        IF (SELECT count(*) FROM account_key_successions s
            WHERE s.user_id = p_user AND s.created_at > now() - interval '24 hours') >= 10 THEN
            RETURN 9;
        END IF;
        v_succeeds := true;
    ELSIF p_succession IS NOT NULL THEN
        RETURN 6;
    END IF;
    IF v_version IS NOT NULL AND p_version <= v_version THEN
        RETURN 2;
    END IF;
    IF p_rsk IS DISTINCT FROM v_rsk AND NOT p_password_ok THEN
        RETURN 10;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_devices) AS x(dev)
               WHERE NOT EXISTS (SELECT 1 FROM devices dv JOIN device_keys k ON k.device_id = dv.id
                                 WHERE dv.id = x.dev AND dv.user_id = p_user
                                   AND dv.revoked_at IS NULL)) THEN
        RETURN 3;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_devices, p_dsks, p_diks) AS x(dev, dsk, dik)
               JOIN device_keys k ON k.device_id = x.dev
               WHERE k.signing_key <> x.dsk OR k.identity_key <> x.dik) THEN
        RETURN 4;
    END IF;
    IF v_succeeds THEN
        INSERT INTO account_key_successions (user_id, old_key, new_key, authority, statement)
        VALUES (p_user, v_pinned, p_aik, 1, p_succession);
        DELETE FROM account_key_handoffs h WHERE h.user_id = p_user;
        INSERT INTO account_key_handoffs (device_id, user_id, account_key, blob)
        SELECT x.dev, p_user, p_aik, x.blob
        FROM unnest(p_handoff_devices, p_handoff_blobs) AS x(dev, blob)
        WHERE x.dev = ANY (p_devices) AND x.dev <> p_caller
        ON CONFLICT (device_id) DO NOTHING;
    END IF;
    UPDATE users u SET account_key = p_aik, recovery_key = p_rsk WHERE u.id = p_user;
    INSERT INTO device_lists AS l (user_id, version, signed_list, account_key, devices, updated_at)
    VALUES (p_user, p_version, p_blob, p_aik, p_devices, now())
    ON CONFLICT (user_id) DO UPDATE
        SET version = EXCLUDED.version, signed_list = EXCLUDED.signed_list,
            account_key = EXCLUDED.account_key, devices = EXCLUDED.devices,
            updated_at = EXCLUDED.updated_at;
    RETURN 0;
END;
$$;

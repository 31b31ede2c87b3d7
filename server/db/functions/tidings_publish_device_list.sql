-- tidings_publish_device_list(p_user, p_version, p_blob, p_aik, p_devices, p_dsks, p_diks)
-- RETURNS int (the status)
--
-- Stores a verified signed device list (p_devices, p_dsks, p_diks are parallel).
--
-- status (never raised):
--   0 STORED
--   1 ACCOUNT_KEY_MISMATCH  the AIK is not the user's pinned one
--   2 NOT_NEWER             the version is not newer than the stored one
--   3 UNKNOWN_DEVICE        a listed device is not the user's, is revoked or has published no
--                           keys
--   4 DEVICE_KEY_MISMATCH   a listed device's DSK/DIK differ from the ones it published
CREATE OR REPLACE FUNCTION tidings_publish_device_list(p_user bigint, p_version bigint, p_blob bytea,
                                            p_aik bytea, p_devices bigint[], p_dsks bytea[],
                                            p_diks bytea[])
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    v_pinned bytea;
    v_version bigint;
BEGIN
    SELECT u.account_key INTO v_pinned FROM users u WHERE u.id = p_user FOR UPDATE;
    IF v_pinned IS NOT NULL AND v_pinned <> p_aik THEN
        RETURN 1;
    END IF;
    SELECT l.version INTO v_version FROM device_lists l WHERE l.user_id = p_user;
    IF FOUND AND p_version <= v_version THEN
        RETURN 2;
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
    IF v_pinned IS NULL THEN
        UPDATE users u SET account_key = p_aik WHERE u.id = p_user;
    END IF;
    INSERT INTO device_lists AS l (user_id, version, signed_list, account_key, devices, updated_at)
    VALUES (p_user, p_version, p_blob, p_aik, p_devices, now())
    ON CONFLICT (user_id) DO UPDATE
        SET version = EXCLUDED.version, signed_list = EXCLUDED.signed_list,
            account_key = EXCLUDED.account_key, devices = EXCLUDED.devices,
            updated_at = EXCLUDED.updated_at;
    RETURN 0;
END;
$$;

-- tidings_fetch_bundles(p_user, p_devices)
-- RETURNS TABLE (r_device bigint, r_dsk bytea, r_dik bytea, r_binding bytea, r_spk_id bigint,
--                r_spk bytea, r_spk_sig bytea, r_opk_id bigint, r_opk bytea, r_stock int,
--                r_taken boolean, r_aik bytea)
--
-- One bundle per device of p_user with published keys: the requested ones (p_devices, the
-- user's own and not revoked) or, when p_devices is empty, its current devices (in its device
-- list, not revoked), ordered by device id. Each bundle takes ONE one-time prekey, deleted by
-- the same statement (SKIP LOCKED: concurrent fetchers never get the same key); none left gives
-- NULL r_opk_id and r_opk and r_taken false. r_stock is what remains for that device.
-- No status codes: a device without keys simply has no row. r_aik is the account key the
-- device's binding is over (a succeeded one until the device binds to the current key).
DROP FUNCTION IF EXISTS tidings_fetch_bundles(bigint, bigint[]);
CREATE OR REPLACE FUNCTION tidings_fetch_bundles(p_user bigint, p_devices bigint[])
RETURNS TABLE (r_device bigint, r_dsk bytea, r_dik bytea, r_binding bytea, r_spk_id bigint,
               r_spk bytea, r_spk_sig bytea, r_opk_id bigint, r_opk bytea, r_stock int,
               r_taken boolean, r_aik bytea)
LANGUAGE plpgsql AS $$
DECLARE
    d record;
    v_opk_id bigint;
    v_opk bytea;
    v_stock int;
BEGIN
    FOR d IN
        SELECT k.* FROM device_keys k
        JOIN devices dv ON dv.id = k.device_id AND dv.revoked_at IS NULL
        WHERE k.user_id = p_user
          AND CASE WHEN cardinality(p_devices) = 0
                   THEN k.device_id IN (SELECT unnest(l.devices) FROM device_lists l
                                        WHERE l.user_id = p_user)
                   ELSE k.device_id = ANY (p_devices) END
        ORDER BY k.device_id
    LOOP
        v_opk_id := NULL;
        v_opk := NULL;
        DELETE FROM one_time_prekeys o
        WHERE (o.device_id, o.key_id) = (
            SELECT x.device_id, x.key_id FROM one_time_prekeys x
            WHERE x.device_id = d.device_id ORDER BY x.key_id LIMIT 1
            FOR UPDATE SKIP LOCKED)
        RETURNING o.key_id, o.public_key INTO v_opk_id, v_opk;
        SELECT count(*) INTO v_stock FROM one_time_prekeys o WHERE o.device_id = d.device_id;
        RETURN QUERY SELECT d.device_id, d.signing_key, d.identity_key, d.binding_signature,
                            d.spk_id, d.spk_public, d.spk_signature, v_opk_id, v_opk, v_stock,
                            v_opk_id IS NOT NULL, d.account_key;
    END LOOP;
END;
$$;

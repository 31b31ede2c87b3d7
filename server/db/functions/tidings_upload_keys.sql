-- tidings_upload_keys(p_user, p_device, p_dsk, p_dik, p_aik, p_binding, p_spk_id, p_spk,
--                     p_spk_sig, p_opk_ids, p_opk_pubs, p_max)
-- RETURNS TABLE (status int, stock int)
--
-- Publishes a device's keys (signatures verified by the server before). One result row.
-- One-time prekeys are appended (known key ids ignored) up to p_max stored; a NULL p_spk keeps
-- the stored signed prekey.
--
-- status (never raised):
--   0 STORED              stock = one-time prekeys now stored for the device
--   1 DEVICE_KEY_CHANGED  DSK or DIK differ from the ones this device published before
--   2 ACCOUNT_KEY_MISMATCH the AIK is not the user's pinned one (a device whose keys are still
--                         bound to a succeeded key may refill prekeys under it; binding to the
--                         pinned key replaces that binding and ends the device's handoff)
--   3 NO_SIGNED_PREKEY    the device's first upload lacks a signed prekey
-- stock is 0 unless status is 0.
CREATE OR REPLACE FUNCTION tidings_upload_keys(p_user bigint, p_device bigint, p_dsk bytea, p_dik bytea,
                                    p_aik bytea, p_binding bytea, p_spk_id bigint, p_spk bytea,
                                    p_spk_sig bytea, p_opk_ids bigint[], p_opk_pubs bytea[],
                                    p_max int)
RETURNS TABLE (status int, stock int)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_pinned bytea;
    v_dsk bytea;
    v_dik bytea;
    v_aik bytea;
    v_stock int;
BEGIN
    -- The user row serializes key changes of all the user's devices (pinning).
    SELECT u.account_key INTO v_pinned FROM users u WHERE u.id = p_user FOR UPDATE;
    SELECT k.signing_key, k.identity_key, k.account_key INTO v_dsk, v_dik, v_aik
    FROM device_keys k WHERE k.device_id = p_device;
    IF v_pinned IS NOT NULL AND v_pinned <> p_aik AND v_aik IS DISTINCT FROM p_aik THEN
        RETURN QUERY SELECT 2, 0; RETURN;
    END IF;
    IF v_dsk IS NOT NULL THEN
        IF v_dsk <> p_dsk OR v_dik <> p_dik THEN
            RETURN QUERY SELECT 1, 0; RETURN;
        END IF;
        IF v_aik <> p_aik THEN
            -- Re-bound to the pinned key (checked above): the handoff did its work.
            UPDATE device_keys k SET account_key = p_aik, binding_signature = p_binding,
                                     updated_at = now()
            WHERE k.device_id = p_device;
            DELETE FROM account_key_handoffs h WHERE h.device_id = p_device;
        END IF;
        IF p_spk IS NOT NULL THEN
            UPDATE device_keys k SET spk_id = p_spk_id, spk_public = p_spk,
                                     spk_signature = p_spk_sig, updated_at = now()
            WHERE k.device_id = p_device;
        END IF;
    ELSE
        IF p_spk IS NULL THEN
            RETURN QUERY SELECT 3, 0; RETURN;
        END IF;
        INSERT INTO device_keys (device_id, user_id, signing_key, identity_key, account_key,
                                 binding_signature, spk_id, spk_public, spk_signature)
        VALUES (p_device, p_user, p_dsk, p_dik, p_aik, p_binding, p_spk_id, p_spk, p_spk_sig);
    END IF;
    IF v_pinned IS NULL THEN
        UPDATE users u SET account_key = p_aik WHERE u.id = p_user;
    END IF;
    SELECT count(*) INTO v_stock FROM one_time_prekeys o WHERE o.device_id = p_device;
    INSERT INTO one_time_prekeys (device_id, key_id, public_key)
    SELECT p_device, x.kid, x.pub FROM (
        SELECT DISTINCT ON (k.kid) k.kid, k.pub, k.o
        FROM unnest(p_opk_ids, p_opk_pubs) WITH ORDINALITY AS k(kid, pub, o)
        WHERE NOT EXISTS (SELECT 1 FROM one_time_prekeys o
                          WHERE o.device_id = p_device AND o.key_id = k.kid)
        ORDER BY k.kid, k.o) x
    ORDER BY x.o
    LIMIT GREATEST(p_max - v_stock, 0)
    ON CONFLICT DO NOTHING;
    SELECT count(*) INTO v_stock FROM one_time_prekeys o WHERE o.device_id = p_device;
    RETURN QUERY SELECT 0, v_stock;
END;
$$;

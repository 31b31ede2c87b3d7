-- tidings_recover_account(p_user, p_caller, p_old_aik, p_last_version, p_embedded, p_aik,
--                         p_succession, p_version, p_blob, p_rsk, p_dsk, p_dik, p_binding,
--                         p_spk_id, p_spk, p_spk_sig, p_opk_ids, p_opk_pubs, p_max)
-- RETURNS TABLE (status int, logged_out bigint[])
--
-- Account recovery with the recovery key (docs/design/account-key-lifecycle.md §2.4): the server
-- verified before that p_succession (authority 2) is signed by the recovery key that p_embedded,
-- the old key's list, names, and by p_aik. Here: p_embedded must be the stored list byte for
-- byte and p_old_aik the pinned key; then in one transaction the caller's keys are stored bound
-- to p_aik, the key, the chain, the recovery key and the new list (naming only p_caller) are
-- replaced, and every other device of the user is logged out as tidings_change_password does.
--
-- status (never raised):
--   0 RECOVERED      logged_out = the devices logged out
--   3 NOT_CURRENT    the old key is not the pinned one or the embedded list not the stored one
--   4 TOO_MANY       3 recoveries of the user in 24 hours already
--   5 BAD_KEYS       the caller's keys were refused (it published other keys before)
--   6 BAD_VERSION    p_version is not p_last_version + 1 or p_last_version not the stored one
CREATE OR REPLACE FUNCTION tidings_recover_account(p_user bigint, p_caller bigint,
        p_old_aik bytea, p_last_version bigint, p_embedded bytea, p_aik bytea,
        p_succession bytea, p_version bigint, p_blob bytea, p_rsk bytea, p_dsk bytea,
        p_dik bytea, p_binding bytea, p_spk_id bigint, p_spk bytea, p_spk_sig bytea,
        p_opk_ids bigint[], p_opk_pubs bytea[], p_max int)
RETURNS TABLE (status int, logged_out bigint[])
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_pinned bytea;
    v_blob bytea;
    v_version bigint;
    v_upload int;
    v_others bigint[];
BEGIN
    SELECT u.account_key INTO v_pinned FROM users u WHERE u.id = p_user FOR UPDATE;
    SELECT l.signed_list, l.version INTO v_blob, v_version FROM device_lists l
    WHERE l.user_id = p_user;
    IF v_pinned IS DISTINCT FROM p_old_aik OR v_blob IS DISTINCT FROM p_embedded
       OR EXISTS (SELECT 1 FROM account_key_successions s
                  WHERE s.user_id = p_user AND s.old_key = p_aik) THEN
        RETURN QUERY SELECT 3, NULL::bigint[]; RETURN;
    END IF;
    IF p_last_version <> v_version OR p_version <> v_version + 1 THEN
        RETURN QUERY SELECT 6, NULL::bigint[]; RETURN;
    END IF;
    IF (SELECT count(*) FROM account_key_successions s
        WHERE s.user_id = p_user AND s.authority = 2
          AND s.created_at > now() - interval '24 hours') >= 3 THEN
        RETURN QUERY SELECT 4, NULL::bigint[]; RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM device_keys k WHERE k.device_id = p_caller
               AND (k.signing_key <> p_dsk OR k.identity_key <> p_dik)) THEN
        RETURN QUERY SELECT 5, NULL::bigint[]; RETURN;
    END IF;
    INSERT INTO account_key_successions (user_id, old_key, new_key, authority, statement)
    VALUES (p_user, v_pinned, p_aik, 2, p_succession);
    UPDATE users u SET account_key = p_aik, recovery_key = p_rsk WHERE u.id = p_user;
    -- The caller's keys, bound to the new key (the same checks as any upload).
    SELECT t.status INTO v_upload FROM tidings_upload_keys(p_user, p_caller, p_dsk, p_dik, p_aik,
        p_binding, p_spk_id, p_spk, p_spk_sig, p_opk_ids, p_opk_pubs, p_max) AS t;
    IF v_upload <> 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'tidings: recovery keys refused';
    END IF;
    SELECT COALESCE(array_agg(dv.id ORDER BY dv.id), '{}') INTO v_others FROM devices dv
    WHERE dv.user_id = p_user AND dv.id <> p_caller AND dv.revoked_at IS NULL;
    UPDATE devices SET revoked_at = now() WHERE id = ANY (v_others);
    DELETE FROM device_tokens WHERE device_id = ANY (v_others);
    DELETE FROM one_time_prekeys WHERE device_id = ANY (v_others);
    DELETE FROM account_key_handoffs h WHERE h.user_id = p_user;
    UPDATE device_lists l SET version = p_version, signed_list = p_blob, account_key = p_aik,
                              devices = ARRAY[p_caller], updated_at = now()
    WHERE l.user_id = p_user;
    RETURN QUERY SELECT 0, v_others;
END;
$$;

-- tidings_group_signed_change(p_actor, p_device, p_conv, p_actions, p_targets, p_names, p_now,
--                             p_max_members, p_inbox_days, p_uid, p_version, p_prev, p_hash,
--                             p_blob)
-- RETURNS TABLE (status int, seq bigint)
--
-- A signed change of a group with signed state (crypto/group_state.h; the caller checked its
-- signature, its actor and that its operations are p_actions/p_targets/p_names): it must be the
-- next version on the log's head, then each operation runs through tidings_group_change (its
-- rules, its events) and the blob becomes that version of the log, all or nothing. One row.
--
-- status (never raised): those of tidings_group_change for the operation that failed (nothing of
-- the change stays), and
--   9 CONFLICT      another group id, or not version head + 1 on the head's hash
--  11 NOT_SIGNED    the group has no signed state
-- seq: the change's first event (status 0).
CREATE OR REPLACE FUNCTION tidings_group_signed_change(p_actor bigint, p_device bigint,
                                                       p_conv bigint, p_actions int[],
                                                       p_targets bigint[], p_names text[],
                                                       p_now timestamptz, p_max_members int,
                                                       p_inbox_days int, p_uid bytea,
                                                       p_version bigint, p_prev bytea,
                                                       p_hash bytea, p_blob bytea)
RETURNS TABLE (status int, seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_version bigint;
    v_hash bytea;
    v_uid bytea;
    v_status int := 0;
    v_seq bigint;
    v_first bigint := 0;
BEGIN
    SELECT c.state_version, c.state_hash, c.group_uid INTO v_version, v_hash, v_uid
    FROM conversations c WHERE c.id = p_conv FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 2, 0::bigint; RETURN;
    END IF;
    IF v_version = 0 THEN
        RETURN QUERY SELECT 11, 0::bigint; RETURN;
    END IF;
    IF p_uid IS DISTINCT FROM v_uid OR p_version <> v_version + 1
       OR p_prev IS DISTINCT FROM v_hash THEN
        RETURN QUERY SELECT 9, 0::bigint; RETURN;
    END IF;
    -- A refused operation undoes the ones before it: the block is a subtransaction.
    BEGIN
        FOR i IN 1 .. coalesce(array_length(p_actions, 1), 0) LOOP
            SELECT r.status, r.seq INTO v_status, v_seq
            FROM tidings_group_change(p_actor, p_conv, p_actions[i], p_targets[i], p_names[i],
                                      p_now, p_max_members, p_inbox_days, true) r;
            IF v_status <> 0 THEN
                RAISE EXCEPTION 'operation % refused with %', i, v_status;
            END IF;
            IF v_first = 0 THEN
                v_first := v_seq;
            END IF;
        END LOOP;
    EXCEPTION WHEN raise_exception THEN
        RETURN QUERY SELECT v_status, 0::bigint; RETURN;
    END;
    INSERT INTO group_state_log (conversation_id, version, hash, change, actor_user_id,
                                 actor_device_id, first_seq, created_at)
    VALUES (p_conv, p_version, p_hash, p_blob, p_actor, p_device, v_first, p_now);
    UPDATE conversations c SET state_version = p_version, state_hash = p_hash WHERE c.id = p_conv;
    RETURN QUERY SELECT 0, v_first;
END;
$$;

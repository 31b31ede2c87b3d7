-- tidings_group_refound(p_actor, p_device, p_conv, p_members, p_roles, p_name, p_now, p_uid,
--                       p_hash, p_blob)
-- RETURNS TABLE (status int, seq bigint)
--
-- Gives a group created before signed state its signed state (issue 12; docs/design/
-- group-state.md §7): an admin's version 1 flagged REFOUNDED, naming members of the group with
-- their current roles (p_members, p_roles; members without published keys may be left out),
-- becomes the log's version 1, carried by one KIND_RENAMED event. Members it does not name are
-- removed first (a KIND_MEMBER_REMOVED event each). The caller checked the signature, the actor
-- and the members' keys. One row.
--
-- status (never raised):
--   0 DONE            seq = its first event (a removal, else the one carrying it)
--   1 NOT_MEMBER      the actor is not a member
--   2 NO_CONVERSATION
--   3 NOT_ADMIN       the actor is not an admin
--   7 NOT_A_GROUP
--   9 CONFLICT        the group has signed state already (another admin was first), or this
--                     group id is taken
--  12 MEMBERS_DIFFER  a named user is not a member, or not with that role
CREATE OR REPLACE FUNCTION tidings_group_refound(p_actor bigint, p_device bigint, p_conv bigint,
                                                 p_members bigint[], p_roles int[], p_name text,
                                                 p_now timestamptz, p_uid bytea, p_hash bytea,
                                                 p_blob bytea)
RETURNS TABLE (status int, seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_kind smallint;
    v_version bigint;
    v_role smallint;
    v_seq bigint;
    v_left bigint;
    v_first bigint;
BEGIN
    SELECT c.kind, c.state_version INTO v_kind, v_version
    FROM conversations c WHERE c.id = p_conv FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 2, 0::bigint; RETURN;
    END IF;
    IF v_kind <> 2 THEN
        RETURN QUERY SELECT 7, 0::bigint; RETURN;
    END IF;
    SELECT m.role INTO v_role FROM members m WHERE m.conversation_id = p_conv
        AND m.user_id = p_actor;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 1, 0::bigint; RETURN;
    END IF;
    IF v_role <> 1 THEN
        RETURN QUERY SELECT 3, 0::bigint; RETURN;
    END IF;
    IF v_version <> 0 OR EXISTS (SELECT 1 FROM conversations WHERE group_uid = p_uid) THEN
        RETURN QUERY SELECT 9, 0::bigint; RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_members, p_roles) AS s(u, r)
               WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = p_conv
                                 AND m.user_id = s.u AND m.role = s.r)) THEN
        RETURN QUERY SELECT 12, 0::bigint; RETURN;
    END IF;
    -- Members it leaves out (they published no keys, so they could read nothing anyway) leave
    -- the group first, each with its event: no signed change could name them later otherwise.
    FOR v_left IN SELECT m.user_id FROM members m WHERE m.conversation_id = p_conv
                  AND m.user_id <> ALL (p_members) ORDER BY m.user_id LOOP
        DELETE FROM members m WHERE m.conversation_id = p_conv AND m.user_id = v_left;
        v_seq := tidings_add_event(p_conv, p_actor, 2, v_left, NULL, p_now);
        v_first := COALESCE(v_first, v_seq);
    END LOOP;
    UPDATE conversations SET title = p_name WHERE id = p_conv;
    v_seq := tidings_add_event(p_conv, p_actor, 4, NULL, p_name, p_now);
    UPDATE conversations SET group_uid = p_uid, state_version = 1, state_hash = p_hash
    WHERE id = p_conv;
    INSERT INTO group_state_log (conversation_id, version, hash, change, actor_user_id,
                                 actor_device_id, first_seq, created_at)
    VALUES (p_conv, 1, p_hash, p_blob, p_actor, p_device, v_seq, p_now);
    RETURN QUERY SELECT 0, COALESCE(v_first, v_seq);
END;
$$;

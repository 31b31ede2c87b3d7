-- tidings_group_change(p_actor, p_conv, p_action, p_target, p_name, p_now, p_max_members,
--                      p_inbox_days, p_signed)
-- RETURNS TABLE (status int, seq bigint)
--
-- One membership or settings change, authorised here, with its system event(s) stored in the
-- same transaction. One result row.
--
-- p_action:
--   0 ADD  1 REMOVE  2 PROMOTE  3 DEMOTE  4 LEAVE  5 RENAME  6 SET_KEY (signed only: the actor
--   records its own new account key, p_target = p_actor; any member; event 7 MEMBER_KEY_CHANGED)
-- status (never raised):
--   0 DONE               seq = the change's (first) event
--   1 NOT_MEMBER         the actor is not a member
--   2 NO_CONVERSATION    no such conversation
--   3 NOT_ADMIN          the action needs an admin
--   4 GROUP_FULL         p_max_members reached (add)
--   5 TARGET_NOT_MEMBER  the target is not a member (remove, promote, demote)
--   6 NOTHING_TO_CHANGE  already a member (add), already admin (promote), not admin (demote)
--   7 NOT_A_GROUP        a 1:1 conversation
--   8 LAST_ADMIN         the last admin cannot demote itself (nor, in a group with signed state,
--                        leave without having promoted a successor)
--  10 SIGNED_REQUIRED    the group has signed state and this is not part of a signed change
--                        (p_signed is set by tidings_group_signed_change only)
-- seq is 0 unless status is 0. Events: see tidings_add_event. When the last admin leaves, the
-- longest-standing member becomes admin (a second event, KIND_ADMIN_GRANTED by user 0) — not in a
-- group with signed state, where only a signed change may make an admin.
-- Before schema version 6 it had no p_inbox_days (a member leaving kept nothing pending: group
-- messages had inbox rows then).
DROP FUNCTION IF EXISTS tidings_group_change(bigint, bigint, int, bigint, text, timestamptz, int);
-- Before server migration 7 it had no p_signed.
DROP FUNCTION IF EXISTS tidings_group_change(bigint, bigint, int, bigint, text, timestamptz, int,
                                             int);

CREATE OR REPLACE FUNCTION tidings_group_change(p_actor bigint, p_conv bigint, p_action int,
                                     p_target bigint, p_name text, p_now timestamptz,
                                     p_max_members int, p_inbox_days int,
                                     p_signed boolean DEFAULT false)
RETURNS TABLE (status int, seq bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_kind smallint;
    v_role smallint;
    v_target_role smallint;
    v_seq bigint;
    v_next bigint;
    v_state bigint;
BEGIN
    SELECT c.kind, c.state_version INTO v_kind, v_state FROM conversations c WHERE c.id = p_conv
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 2, 0::bigint; RETURN;
    END IF;
    IF v_state > 0 AND NOT p_signed THEN
        RETURN QUERY SELECT 10, 0::bigint; RETURN;
    END IF;
    SELECT m.role INTO v_role FROM members m WHERE m.conversation_id = p_conv AND m.user_id = p_actor;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 1, 0::bigint; RETURN;
    END IF;
    IF v_kind <> 2 THEN
        RETURN QUERY SELECT 7, 0::bigint; RETURN;
    END IF;

    IF p_action = 4 THEN
        IF p_signed AND v_role = 1
           AND NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = p_conv AND m.role = 1
                           AND m.user_id <> p_actor)
           AND EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = p_conv
                       AND m.user_id <> p_actor) THEN
            RETURN QUERY SELECT 8, 0::bigint; RETURN;
        END IF;
        -- The leaver gets the event of its own leaving, then nothing more.
        v_seq := tidings_add_event(p_conv, p_actor, 3, p_actor, NULL, p_now);
        PERFORM tidings_keep_pending(p_conv, p_actor, p_now, p_inbox_days);
        DELETE FROM members m WHERE m.conversation_id = p_conv AND m.user_id = p_actor;
        IF v_role = 1 AND NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = p_conv
                                      AND m.role = 1) THEN
            -- A group always keeps an admin: the longest-standing member becomes one.
            SELECT m.user_id INTO v_next FROM members m WHERE m.conversation_id = p_conv
            ORDER BY m.joined_at, m.user_id LIMIT 1;
            IF FOUND THEN
                UPDATE members m SET role = 1 WHERE m.conversation_id = p_conv AND m.user_id = v_next;
                PERFORM tidings_add_event(p_conv, 0, 5, v_next, NULL, p_now);
            END IF;
        END IF;
        RETURN QUERY SELECT 0, v_seq; RETURN;
    END IF;

    IF p_action = 6 THEN
        -- The key itself lives in the signed change; the row only tells members it happened.
        IF NOT p_signed OR p_target IS DISTINCT FROM p_actor THEN
            RETURN QUERY SELECT 3, 0::bigint; RETURN;
        END IF;
        v_seq := tidings_add_event(p_conv, p_actor, 7, p_actor, NULL, p_now);
        RETURN QUERY SELECT 0, v_seq; RETURN;
    END IF;

    IF v_role <> 1 THEN
        RETURN QUERY SELECT 3, 0::bigint; RETURN;
    END IF;

    IF p_action = 5 THEN
        UPDATE conversations c SET title = p_name WHERE c.id = p_conv;
        v_seq := tidings_add_event(p_conv, p_actor, 4, NULL, p_name, p_now);
        RETURN QUERY SELECT 0, v_seq; RETURN;
    END IF;

    SELECT m.role INTO v_target_role FROM members m
    WHERE m.conversation_id = p_conv AND m.user_id = p_target;
    IF p_action = 0 THEN
        IF FOUND THEN
            RETURN QUERY SELECT 6, 0::bigint; RETURN;
        END IF;
        IF (SELECT count(*) FROM members m WHERE m.conversation_id = p_conv) >= p_max_members THEN
            RETURN QUERY SELECT 4, 0::bigint; RETURN;
        END IF;
        -- Joined after everything so far: the new member sees its own "added" event onwards.
        -- Its cursors start at its join: it never gets the earlier messages, so it must not
        -- hold back the group's ticks for them.
        INSERT INTO members (conversation_id, user_id, role, joined_seq, joined_at,
                             delivered_seq, read_seq)
        SELECT p_conv, p_target, 0, c.last_seq, p_now, c.last_seq, c.last_seq
        FROM conversations c WHERE c.id = p_conv;
        v_seq := tidings_add_event(p_conv, p_actor, 1, p_target, NULL, p_now);
        RETURN QUERY SELECT 0, v_seq; RETURN;
    END IF;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 5, 0::bigint; RETURN;
    END IF;
    IF p_action = 1 THEN
        v_seq := tidings_add_event(p_conv, p_actor, 2, p_target, NULL, p_now);
        PERFORM tidings_keep_pending(p_conv, p_target, p_now, p_inbox_days);
        DELETE FROM members m WHERE m.conversation_id = p_conv AND m.user_id = p_target;
    ELSIF p_action = 2 THEN
        IF v_target_role = 1 THEN
            RETURN QUERY SELECT 6, 0::bigint; RETURN;
        END IF;
        UPDATE members m SET role = 1 WHERE m.conversation_id = p_conv AND m.user_id = p_target;
        v_seq := tidings_add_event(p_conv, p_actor, 5, p_target, NULL, p_now);
    ELSIF p_action = 3 THEN
        IF v_target_role = 0 THEN
            RETURN QUERY SELECT 6, 0::bigint; RETURN;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM members m WHERE m.conversation_id = p_conv AND m.role = 1
                       AND m.user_id <> p_target) THEN
            RETURN QUERY SELECT 8, 0::bigint; RETURN;
        END IF;
        UPDATE members m SET role = 0 WHERE m.conversation_id = p_conv AND m.user_id = p_target;
        v_seq := tidings_add_event(p_conv, p_actor, 6, p_target, NULL, p_now);
    END IF;
    RETURN QUERY SELECT 0, v_seq;
END;
$$;

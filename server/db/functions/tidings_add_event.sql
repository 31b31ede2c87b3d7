-- tidings_add_event(p_conv, p_actor, p_kind, p_target, p_name, p_now) RETURNS bigint
-- Appends a system event to a conversation as its next ordered message and queues it for every
-- non-revoked device of every member. Returns its seq. The caller holds the conversation row
-- (or runs on its shard). p_kind is tidings.wire.SystemEvent.Kind: 0 CREATED, 1 MEMBER_ADDED,
-- 2 MEMBER_REMOVED, 3 MEMBER_LEFT, 4 RENAMED, 5 ADMIN_GRANTED, 6 ADMIN_REVOKED,
-- 7 MEMBER_KEY_CHANGED.
-- No status codes.
CREATE OR REPLACE FUNCTION tidings_add_event(p_conv bigint, p_actor bigint, p_kind int, p_target bigint,
                                  p_name text, p_now timestamptz)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_seq bigint;
BEGIN
    UPDATE conversations SET last_seq = last_seq + 1 WHERE id = p_conv RETURNING last_seq INTO v_seq;
    INSERT INTO messages (conversation_id, seq, created_at, sender_user_id, sender_device_id,
                          client_message_id, payload, event_kind, event_target_user_id, event_name)
    VALUES (p_conv, v_seq, p_now, p_actor, 0, 'event-' || v_seq, '', p_kind, p_target, p_name);
    INSERT INTO inbox (device_id, conversation_id, seq, created_at)
    SELECT dv.id, p_conv, v_seq, p_now
    FROM members m JOIN devices dv ON dv.user_id = m.user_id AND dv.revoked_at IS NULL
    WHERE m.conversation_id = p_conv;
    RETURN v_seq;
END;
$$;

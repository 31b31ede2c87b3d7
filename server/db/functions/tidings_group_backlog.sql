-- tidings_group_backlog(p_device, p_conv, p_after_seq, p_not_before, p_limit)
-- RETURNS TABLE (conversation_id bigint, seq bigint, created_at timestamptz)
--
-- The messages of group p_conv that device p_device has not received (fan-out on read: groups
-- have no inbox rows), in seq order, after p_after_seq, at most p_limit (NULL: all). What a
-- device may see is decided here only, for the drain (tidings_inbox_page) and for a leaving
-- member's kept backlog (tidings_keep_pending): past the device's delivery cursor and its user's
-- joining, created since the device was added and not before p_not_before (the inbox expiry),
-- not its own, not an envelope-only send addressed to other devices. Nothing when the device's
-- user is not a member. A plain SQL function, so the planner inlines it into its callers.
CREATE OR REPLACE FUNCTION tidings_group_backlog(p_device bigint, p_conv bigint,
                                                 p_after_seq bigint, p_not_before timestamptz,
                                                 p_limit int)
RETURNS TABLE (conversation_id bigint, seq bigint, created_at timestamptz)
LANGUAGE sql STABLE AS $$
SELECT m.conversation_id, m.seq, m.created_at
FROM devices dv
JOIN members mb ON mb.user_id = dv.user_id AND mb.conversation_id = p_conv
LEFT JOIN receipts r ON r.conversation_id = p_conv AND r.device_id = dv.id
JOIN messages m ON m.conversation_id = p_conv
 AND m.seq > GREATEST(COALESCE(r.delivered_seq, 0), mb.joined_seq, p_after_seq)
 AND m.created_at >= dv.created_at
 AND m.created_at >= p_not_before
 AND m.sender_device_id <> dv.id
 AND (octet_length(m.payload) > 0 OR m.event_kind IS NOT NULL
      OR EXISTS (SELECT 1 FROM envelopes e WHERE e.conversation_id = m.conversation_id
                 AND e.seq = m.seq AND e.created_at = m.created_at AND e.device_id = dv.id))
WHERE dv.id = p_device
ORDER BY m.seq
LIMIT p_limit;
$$;

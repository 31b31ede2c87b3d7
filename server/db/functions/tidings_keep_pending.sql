-- tidings_keep_pending(p_conv, p_user, p_now, p_inbox_days) RETURNS void
--
-- Called just before a member leaves a group (or is removed): keeps what its devices have not
-- received yet. A group's messages have no inbox rows (a device's backlog in a group is every
-- message past its delivered cursor, read from the messages table while it is a member; see
-- docs/ARCHITECTURE.md, Delivery), so once the membership row is gone that backlog would be
-- too. It becomes ordinary inbox rows here, with the same filters the drain applies (since the
-- device was added and the user joined, not its own sends, not envelope-only sends addressed to
-- others, within the inbox expiry), and then expires as any inbox row does.
CREATE OR REPLACE FUNCTION tidings_keep_pending(p_conv bigint, p_user bigint, p_now timestamptz,
                                                p_inbox_days int)
RETURNS void LANGUAGE sql AS $$
INSERT INTO inbox (device_id, conversation_id, seq, created_at)
SELECT dv.id, m.conversation_id, m.seq, m.created_at
FROM members mb
JOIN devices dv ON dv.user_id = mb.user_id AND dv.revoked_at IS NULL
LEFT JOIN receipts r ON r.conversation_id = mb.conversation_id AND r.device_id = dv.id
JOIN messages m ON m.conversation_id = mb.conversation_id
 AND m.seq > GREATEST(COALESCE(r.delivered_seq, 0), mb.joined_seq)
 AND m.created_at >= dv.created_at
 AND m.created_at >= p_now - make_interval(days => p_inbox_days)
 AND m.sender_device_id <> dv.id
 AND (octet_length(m.payload) > 0 OR m.event_kind IS NOT NULL
      OR EXISTS (SELECT 1 FROM envelopes e WHERE e.conversation_id = m.conversation_id
                 AND e.seq = m.seq AND e.created_at = m.created_at AND e.device_id = dv.id))
WHERE mb.conversation_id = p_conv AND mb.user_id = p_user
ON CONFLICT DO NOTHING;
$$;

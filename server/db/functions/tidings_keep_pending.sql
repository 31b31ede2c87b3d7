-- tidings_keep_pending(p_conv, p_user, p_now, p_inbox_days) RETURNS void
--
-- Called just before a member leaves a group (or is removed): keeps what its devices have not
-- received yet. A group's messages have no inbox rows (a device's backlog in a group is every
-- message past its delivered cursor, read from the messages table while it is a member; see
-- docs/ARCHITECTURE.md, Delivery), so once the membership row is gone that backlog would be
-- too. It becomes ordinary inbox rows here — what the drain would read
-- (tidings_group_backlog) — and then expires as any inbox row does.
CREATE OR REPLACE FUNCTION tidings_keep_pending(p_conv bigint, p_user bigint, p_now timestamptz,
                                                p_inbox_days int)
RETURNS void LANGUAGE sql AS $$
INSERT INTO inbox (device_id, conversation_id, seq, created_at)
SELECT dv.id, b.conversation_id, b.seq, b.created_at
FROM devices dv
CROSS JOIN LATERAL tidings_group_backlog(dv.id, p_conv, 0,
                                         p_now - make_interval(days => p_inbox_days), NULL) b
WHERE dv.user_id = p_user AND dv.revoked_at IS NULL
ON CONFLICT DO NOTHING;
$$;

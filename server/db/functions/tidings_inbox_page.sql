-- tidings_inbox_page(p_device, p_after_conv, p_after_seq, p_limit, p_not_before)
-- RETURNS TABLE (the message columns of services/common/message_rows.h, with encrypted and the
--                device's envelope)
--
-- One page of a device's pending messages after (p_after_conv, p_after_seq), in (conversation,
-- seq) order, at most p_limit. Two sources, each cut at the page size, merged without duplicates
-- (a group message may also have an inbox row: events, a member's kept backlog, rows from before
-- fan-out on read):
--  - 1:1: the device's inbox rows past its cursor;
--  - groups (fan-out on read, no inbox rows): in each group the device's user is a member of,
--    what tidings_group_backlog says it has not received, none created before p_not_before.
-- A function (not a query text sent with each drain) so that a burst of reconnecting devices
-- queues ~60 bytes per drain in the connection's buffer instead of the whole text, and the plan
-- is cached per session.
-- Signed group state added group_version and signed_change (the return type changed).
DROP FUNCTION IF EXISTS tidings_inbox_page(bigint, bigint, bigint, int, timestamptz);
CREATE OR REPLACE FUNCTION tidings_inbox_page(p_device bigint, p_after_conv bigint,
                                              p_after_seq bigint, p_limit int,
                                              p_not_before timestamptz)
RETURNS TABLE (conversation_id bigint, seq bigint, sender_user_id bigint,
               sender_device_id bigint, sender_username text, client_message_id text,
               created_ms bigint, payload bytea, event_kind smallint,
               event_target_user_id bigint, event_target_username text, event_name text,
               group_version bigint, signed_change bytea, encrypted boolean, envelope bytea)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
RETURN QUERY
SELECT m.conversation_id, m.seq, m.sender_user_id, m.sender_device_id,
       COALESCE(u.username, '') AS sender_username, m.client_message_id,
       (extract(epoch FROM m.created_at) * 1000)::bigint AS created_ms, m.payload, m.event_kind,
       m.event_target_user_id, COALESCE(t.username, '') AS event_target_username,
       COALESCE(m.event_name, '') AS event_name, gl.version AS group_version,
       gl.change AS signed_change, m.encrypted,
       (SELECT e.payload FROM envelopes e WHERE e.conversation_id = m.conversation_id
        AND e.seq = m.seq AND e.created_at = m.created_at AND e.device_id = p_device) AS envelope
FROM ((
    SELECT i.conversation_id AS conv, i.seq AS s, i.created_at AS at FROM inbox i
    LEFT JOIN receipts r ON r.conversation_id = i.conversation_id AND r.device_id = i.device_id
    WHERE i.device_id = p_device AND i.seq > COALESCE(r.delivered_seq, 0)
      AND (i.conversation_id, i.seq) > (p_after_conv, p_after_seq)
    ORDER BY i.conversation_id, i.seq LIMIT p_limit
) UNION (
    SELECT g.conversation_id, g.seq, g.created_at FROM devices dv
    JOIN members mb ON mb.user_id = dv.user_id AND mb.conversation_id >= p_after_conv
    JOIN conversations c ON c.id = mb.conversation_id AND c.kind = 2
    CROSS JOIN LATERAL tidings_group_backlog(
        p_device, mb.conversation_id,
        CASE WHEN mb.conversation_id = p_after_conv THEN p_after_seq ELSE 0 END,
        p_not_before, p_limit) g
    WHERE dv.id = p_device
    ORDER BY 1, 2 LIMIT p_limit
)) p
JOIN messages m ON m.conversation_id = p.conv AND m.seq = p.s AND m.created_at = p.at
LEFT JOIN users u ON u.id = m.sender_user_id
LEFT JOIN users t ON t.id = m.event_target_user_id
LEFT JOIN group_state_log gl ON m.event_kind IS NOT NULL AND gl.conversation_id = m.conversation_id
     AND gl.first_seq = m.seq
ORDER BY p.conv, p.s LIMIT p_limit;
END;
$$;

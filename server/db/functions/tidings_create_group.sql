-- tidings_create_group(p_creator, p_name, p_members, p_now) RETURNS bigint
-- Creates a group (conversations.kind 2): the creator is its admin (members.role 1), the other
-- members (role 0) join at seq 0, seq 1 is the KIND_CREATED event. Returns the conversation id.
-- No status codes: the caller checks the members exist; it succeeds or raises.
CREATE OR REPLACE FUNCTION tidings_create_group(p_creator bigint, p_name text, p_members bigint[],
                                     p_now timestamptz)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_conv bigint;
BEGIN
    INSERT INTO conversations (kind, title) VALUES (2, p_name) RETURNING id INTO v_conv;
    INSERT INTO members (conversation_id, user_id, role, joined_seq, joined_at)
    VALUES (v_conv, p_creator, 1, 0, p_now);
    INSERT INTO members (conversation_id, user_id, role, joined_seq, joined_at)
    SELECT v_conv, u, 0, 0, p_now + make_interval(secs => 0.000001 * o)
    FROM unnest(p_members) WITH ORDINALITY AS x(u, o)
    WHERE u <> p_creator
    ON CONFLICT DO NOTHING;
    PERFORM tidings_add_event(v_conv, p_creator, 0, NULL, p_name, p_now);
    RETURN v_conv;
END;
$$;

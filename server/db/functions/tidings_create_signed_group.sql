-- tidings_create_signed_group(p_creator, p_device, p_name, p_members, p_now, p_uid, p_hash,
--                             p_blob) RETURNS bigint
-- tidings_create_group with signed state (crypto/group_state.h; the caller checked the genesis
-- against the members and their account keys): the group gets its 16-byte id, and the signed
-- genesis becomes version 1 of its log, carried by the KIND_CREATED event (seq 1). Returns the
-- conversation id, or 0 when a group with this id exists (nothing is created).
-- No status codes beyond that 0: it succeeds or raises.
CREATE OR REPLACE FUNCTION tidings_create_signed_group(p_creator bigint, p_device bigint,
                                                       p_name text, p_members bigint[],
                                                       p_now timestamptz, p_uid bytea,
                                                       p_hash bytea, p_blob bytea)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_conv bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM conversations WHERE group_uid = p_uid) THEN
        RETURN 0;
    END IF;
    v_conv := tidings_create_group(p_creator, p_name, p_members, p_now);
    UPDATE conversations SET group_uid = p_uid, state_version = 1, state_hash = p_hash
    WHERE id = v_conv;
    INSERT INTO group_state_log (conversation_id, version, hash, change, actor_user_id,
                                 actor_device_id, first_seq, created_at)
    VALUES (v_conv, 1, p_hash, p_blob, p_creator, p_device, 1, p_now);
    RETURN v_conv;
END;
$$;

-- tidings_authenticate(p_hash, p_new_hash, p_now_ms, p_lifetime_ms, p_renew_after_ms, p_grace_ms)
-- RETURNS one row, or none for an unknown, expired or revoked token
--
-- The device a token (SHA-256 p_hash) belongs to, marking it seen at p_now_ms. A token older than
-- p_renew_after_ms is renewed: p_new_hash becomes a token of the same device, valid for
-- p_lifetime_ms, and the presented one expires p_grace_ms from now at the latest (the client
-- that loses the answer reconnects with the old token and gets another successor, which replaces
-- the first). r_expires_ms: when the token the client should present next expires.
-- r_disabled: the admin disabled the user (the server refuses the connection with
-- ACCOUNT_DISABLED; the token is neither renewed nor spent, so it works again once enabled).
-- No status codes: it succeeds or raises.
-- The result gained r_disabled (migration 0010): a changed result type needs the old one dropped.
DROP FUNCTION IF EXISTS tidings_authenticate(bytea, bytea, bigint, bigint, bigint, bigint);
CREATE OR REPLACE FUNCTION tidings_authenticate(p_hash bytea, p_new_hash bytea, p_now_ms bigint,
                                                p_lifetime_ms bigint, p_renew_after_ms bigint,
                                                p_grace_ms bigint)
RETURNS TABLE (r_device bigint, r_user bigint, r_username text, r_display_name text,
               r_renewed boolean, r_expires_ms bigint, r_disabled boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_now timestamptz := to_timestamp(p_now_ms::double precision / 1000);
    v_token device_tokens%ROWTYPE;
BEGIN
    SELECT * INTO v_token FROM device_tokens t
    WHERE t.token_hash = p_hash AND t.expires_at > v_now FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE devices d SET last_seen_at = v_now FROM users u
    WHERE d.id = v_token.device_id AND d.revoked_at IS NULL AND u.id = d.user_id
    RETURNING d.id, d.user_id, u.username, u.display_name, u.disabled_at IS NOT NULL
    INTO r_device, r_user, r_username, r_display_name, r_disabled;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF r_disabled OR v_token.created_at > v_now - p_renew_after_ms * interval '1 millisecond' THEN
        r_renewed := false;
        r_expires_ms := (extract(epoch FROM v_token.expires_at) * 1000)::bigint;
        RETURN NEXT;
        RETURN;
    END IF;
    IF v_token.successor IS NOT NULL THEN
        DELETE FROM device_tokens t WHERE t.token_hash = v_token.successor;
    END IF;
    INSERT INTO device_tokens (token_hash, device_id, created_at, expires_at)
    VALUES (p_new_hash, v_token.device_id, v_now,
            v_now + p_lifetime_ms * interval '1 millisecond');
    UPDATE device_tokens t
    SET successor = p_new_hash,
        expires_at = LEAST(t.expires_at, v_now + p_grace_ms * interval '1 millisecond')
    WHERE t.token_hash = p_hash;
    r_renewed := true;
    r_expires_ms := p_now_ms + p_lifetime_ms;
    RETURN NEXT;
END;
$$;

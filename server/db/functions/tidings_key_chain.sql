-- tidings_key_chain(p_user, p_known) RETURNS SETOF bytea
--
-- The succession statements from account key p_known of p_user to the user's current key, oldest
-- first, at most 32 (a client further behind sees an unchained change). None when p_known is
-- current, unknown or NULL.
CREATE OR REPLACE FUNCTION tidings_key_chain(p_user bigint, p_known bytea)
RETURNS SETOF bytea LANGUAGE sql STABLE AS $$
    WITH RECURSIVE c (new_key, statement, n) AS (
        SELECT s.new_key, s.statement, 1 FROM account_key_successions s
        WHERE s.user_id = p_user AND s.old_key = p_known
        UNION ALL
        SELECT s.new_key, s.statement, c.n + 1 FROM c
        JOIN account_key_successions s ON s.user_id = p_user AND s.old_key = c.new_key
        WHERE c.n < 32)
    SELECT c.statement FROM c ORDER BY c.n;
$$;

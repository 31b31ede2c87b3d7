-- Signed group state (issue 12; docs/design/group-state.md): each group's log of changes signed
-- by its admins (crypto/group_state.h), which the server stores and relays and the members'
-- clients verify. Not partitioned and never dropped by retention: a member who joins later
-- verifies the log from its genesis. conversations.group_uid is the 16-byte id the genesis names;
-- state_version and state_hash are the log's head (0 and NULL: no signed state yet).
ALTER TABLE conversations ADD COLUMN group_uid bytea UNIQUE;
ALTER TABLE conversations ADD COLUMN state_version bigint NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN state_hash bytea;
CREATE TABLE group_state_log (
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    version         bigint NOT NULL,
    hash            bytea NOT NULL,
    change          bytea NOT NULL,
    actor_user_id   bigint NOT NULL,
    actor_device_id bigint NOT NULL,
    first_seq       bigint NOT NULL DEFAULT 0, -- the event row that carries the blob
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, version)
);

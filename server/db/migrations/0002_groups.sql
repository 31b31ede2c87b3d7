-- Tidings schema, version 2: groups and system events, contacts, blocking, last-seen privacy.

ALTER TABLE users
    ADD COLUMN last_seen_visibility smallint NOT NULL DEFAULT 0, -- 0 everyone, 1 contacts, 2 nobody
    ADD COLUMN last_seen_at timestamptz;                         -- last device disconnected

ALTER TABLE members
    ADD COLUMN joined_seq bigint NOT NULL DEFAULT 0,  -- a member sees messages after this seq
    ADD COLUMN joined_at timestamptz NOT NULL DEFAULT now();

-- System events (group created, member added, ...) are ordinary ordered messages with these set.
ALTER TABLE messages
    ADD COLUMN event_kind smallint,                   -- tidings.wire.SystemEvent.Kind
    ADD COLUMN event_target_user_id bigint,
    ADD COLUMN event_name text;

CREATE TABLE contacts (
    owner_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, user_id)
);

CREATE TABLE blocks (
    owner_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, blocked_id)
);

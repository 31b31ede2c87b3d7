-- Tidings schema, version 1: accounts, devices, conversations, messages, inbox, receipts.
-- Numbered migrations hold DDL and data changes only; the functions live in db/functions/ and
-- are re-created after the migrations on every start.

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL DEFAULT '',
    password_hash text NOT NULL,              -- Argon2id string (libsodium crypto_pwhash_str)
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX devices_user_idx ON devices (user_id);

-- Only a hash of each token is stored: a database dump does not let anyone log in.
CREATE TABLE device_tokens (
    token_hash bytea PRIMARY KEY,
    device_id  bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_tokens_device_idx ON device_tokens (device_id);

CREATE TABLE conversations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       smallint NOT NULL,             -- 1 direct, 2 group
    direct_key text UNIQUE,                   -- 'low_user_id:high_user_id' for direct chats
    title      text NOT NULL DEFAULT '',
    last_seq   bigint NOT NULL DEFAULT 0,     -- the serialization point for seq assignment
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Per-user cursors (the highest over that user's devices) live on the member row: the ticks
-- other people see are computed from these.
CREATE TABLE members (
    conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            smallint NOT NULL DEFAULT 0,
    delivered_seq   bigint NOT NULL DEFAULT 0,
    read_seq        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_user_idx ON members (user_id);

-- Per member device cursors, monotonic.
CREATE TABLE receipts (
    conversation_id bigint NOT NULL,
    device_id       bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    delivered_seq   bigint NOT NULL DEFAULT 0,
    read_seq        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, device_id)
);

-- History, partitioned by month on created_at; partitions are created ahead by the server and
-- dropped past the retention period. Sharding key for a distributed PostgreSQL: conversation_id.
CREATE TABLE messages (
    conversation_id   bigint NOT NULL,
    seq               bigint NOT NULL,
    created_at        timestamptz NOT NULL,
    sender_user_id    bigint NOT NULL,
    sender_device_id  bigint NOT NULL,
    client_message_id text NOT NULL,
    payload           bytea NOT NULL,
    PRIMARY KEY (conversation_id, seq, created_at)
) PARTITION BY RANGE (created_at);

-- Idempotency of sends on (sender device, client message id). Kept as long as the inbox.
CREATE TABLE send_dedup (
    device_id         bigint NOT NULL,
    client_message_id text NOT NULL,
    conversation_id   bigint NOT NULL,
    seq               bigint NOT NULL,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (device_id, client_message_id)
);
CREATE INDEX send_dedup_created_idx ON send_dedup (created_at);

-- Per-device offline queue, partitioned by day: the 30-day expiry drops whole partitions.
-- An entry is pending while seq > that device's delivered_seq for the conversation.
CREATE TABLE inbox (
    device_id       bigint NOT NULL,
    conversation_id bigint NOT NULL,
    seq             bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (device_id, conversation_id, seq, created_at)
) PARTITION BY RANGE (created_at);

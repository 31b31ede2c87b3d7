-- Account-key lifecycle (issue 12; docs/design/account-key-lifecycle.md §6.1): the account key
-- is no longer pinned for good. A linked device hands it on to a new key with a signed succession
-- statement (when a device leaves the list), and a user who lost every device hands it on with
-- the recovery key. The server keeps the chain so a client that pinned an older key can walk it,
-- and the new key sealed to each remaining device until that device binds its keys to it.

-- The recovery signing key (Ed25519 public) the newest device list names; NULL: none.
ALTER TABLE users ADD COLUMN recovery_key bytea;

-- One row per succession. The primary key forbids forks: a key is succeeded at most once, and a
-- key that was ever succeeded never becomes current again (UNIQUE new_key, checked by the
-- function against old_key too).
CREATE TABLE account_key_successions (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    old_key    bytea NOT NULL,
    new_key    bytea NOT NULL,
    authority  smallint NOT NULL,           -- 1 the old key, 2 the recovery key
    statement  bytea NOT NULL,              -- the signed statement clients verify
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, old_key),
    UNIQUE (user_id, new_key)
);

-- The new account key sealed to one remaining device (only it can open it); deleted when that
-- device binds its keys to the current key, replaced by a later succession.
CREATE TABLE account_key_handoffs (
    device_id   bigint PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_key bytea NOT NULL,             -- the key it hands over
    blob        bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_key_handoffs_user ON account_key_handoffs (user_id);

-- Tidings schema, version 3: end-to-end key directory, signed device lists, per-device
-- envelopes of encrypted sends. The server stores public keys and ciphertexts only.

-- The pinned account identity key (AIK, Ed25519 public): set by the first key upload or device
-- list, never changed afterwards.
ALTER TABLE users ADD COLUMN account_key bytea;

-- One row per device that published keys. signing_key (DSK), identity_key (DIK) and
-- account_key are immutable once set; the signed prekey is replaced by later uploads.
CREATE TABLE device_keys (
    device_id         bigint PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    user_id           bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    signing_key       bytea NOT NULL,
    identity_key      bytea NOT NULL,
    account_key       bytea NOT NULL,
    binding_signature bytea NOT NULL,
    spk_id            bigint NOT NULL,
    spk_public        bytea NOT NULL,
    spk_signature     bytea NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX device_keys_user_idx ON device_keys (user_id);

-- Handed out once each: a fetch deletes the key it returns in the same statement.
CREATE TABLE one_time_prekeys (
    device_id  bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    key_id     bigint NOT NULL,
    public_key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, key_id)
);

-- The latest signed device list of each user, as published (the blob is what clients verify)
-- and the device ids it names (what the server computes "current devices" from).
CREATE TABLE device_lists (
    user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version     bigint NOT NULL,
    signed_list bytea NOT NULL,
    account_key bytea NOT NULL,
    devices     bigint[] NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- An encrypted send (it carried a device digest).
ALTER TABLE messages ADD COLUMN encrypted boolean NOT NULL DEFAULT false;

-- Per-device ciphertexts of a message, partitioned like messages (same monthly bounds) and
-- dropped with them by retention.
CREATE TABLE envelopes (
    conversation_id bigint NOT NULL,
    seq             bigint NOT NULL,
    device_id       bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    payload         bytea NOT NULL,
    PRIMARY KEY (conversation_id, seq, device_id, created_at)
) PARTITION BY RANGE (created_at);

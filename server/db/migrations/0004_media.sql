-- Tidings schema, version 4: the media store's metadata. The blobs themselves are files in the
-- server's data directory (DATA/media); these tables say who uploaded what, how large it is,
-- which messages point to it (so expiry knows what is still reachable), and hold the secret
-- media tokens are signed with. Nothing here names a file, a type or a key: the server only
-- ever sees ciphertext and its SHA-256.

-- The HMAC-SHA256 key of media bearer tokens (one row). In the database so that several nodes
-- verify each other's tokens; created by the first server that starts on this schema.
CREATE TABLE media_secret (
    id         int PRIMARY KEY CHECK (id = 1),
    secret     bytea NOT NULL CHECK (octet_length(secret) = 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Unfinished uploads. The staged bytes are in DATA/media/uploads/<id>/ (their count is the
-- upload's offset); the declared size counts against the user's quota until the upload
-- finishes, is cancelled, or expires (24 hours after created_at).
CREATE TABLE media_uploads (
    id            text PRIMARY KEY,  -- 22 base64url characters (16 random bytes)
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_id     bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    declared_size bigint NOT NULL CHECK (declared_size > 0),
    created_at    timestamptz NOT NULL
);
CREATE INDEX media_uploads_user_idx ON media_uploads (user_id);
CREATE INDEX media_uploads_created_idx ON media_uploads (created_at);

-- Stored blobs, by the hex SHA-256 of their ciphertext (DATA/media/blobs/ab/cd/<id>).
-- ready: the file is in place (verified); a row that is not ready belongs to a finish in
-- progress or one that failed, and is collected like an unreferenced blob. touched_at moves
-- whenever an upload finishes onto the blob (also a second upload of the same content), so a
-- blob just handed to a client is never collected before that client could send a message
-- pointing to it. collecting: chosen by the collector, whose file is being deleted; the row goes
-- once the file is gone (a crash in between leaves the row, and the next run finishes the job).
CREATE TABLE media_blobs (
    id                 text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
    size               bigint NOT NULL CHECK (size > 0),
    uploader_id        bigint REFERENCES users (id) ON DELETE SET NULL,
    ready              boolean NOT NULL DEFAULT false,
    collecting         boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL,
    touched_at         timestamptz NOT NULL,
    last_referenced_at timestamptz
);
CREATE INDEX media_blobs_uploader_idx ON media_blobs (uploader_id) WHERE ready;
CREATE INDEX media_blobs_touched_idx ON media_blobs (touched_at);

-- Which stored messages point to which blobs (SendRequest.attachment_blob_ids). Partitioned by
-- month like messages and dropped with them by retention, so "a message can still reach this
-- blob" is "a reference row exists".
CREATE TABLE media_refs (
    blob_id         text NOT NULL,
    conversation_id bigint NOT NULL,
    seq             bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (blob_id, conversation_id, seq, created_at)
) PARTITION BY RANGE (created_at);

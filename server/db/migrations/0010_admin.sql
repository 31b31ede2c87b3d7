-- The admin's side (issue 13): disabled accounts, the registration policy and invite codes, and
-- the settings an admin changes at run time.

-- A disabled user keeps everything (devices, keys, conversations); logins and connections are
-- refused with ACCOUNT_DISABLED until the admin enables it again.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- Settings the admin changes while the server runs (tidings-admin, the admin API): they live in
-- the database so every node of a cluster and every restart sees the same. Keys and values are
-- checked by the server (server/admin/admin_settings.h); unknown keys are ignored.
CREATE TABLE server_settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Invite codes for registration by invitation. Only a SHA-256 of each code is stored: a database
-- dump hands out no working codes. A code works `uses_left` more times until `expires_at`.
CREATE TABLE invites (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code_hash  bytea NOT NULL UNIQUE CHECK (octet_length(code_hash) = 32),
    note       text NOT NULL DEFAULT '',
    uses_left  integer NOT NULL CHECK (uses_left >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

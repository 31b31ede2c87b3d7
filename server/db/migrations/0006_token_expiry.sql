-- Device tokens expire (issue 12). A token in use is renewed by tidings_authenticate: the client
-- gets a fresh one, and the old one keeps working for a grace period only, so a token copied off
-- a device stops working soon after the device renews it. A device unused for the whole
-- lifetime must log in again. Tokens issued before this version get a full lifetime from now and
-- are renewed on their first use.
ALTER TABLE device_tokens ADD COLUMN expires_at timestamptz NOT NULL
    DEFAULT (now() + interval '90 days');
-- The hash of the token this one was renewed into: renewing it again (the client lost the first
-- answer) replaces that successor instead of piling up tokens.
ALTER TABLE device_tokens ADD COLUMN successor bytea;

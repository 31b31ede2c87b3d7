-- Idempotency of sends is per conversation: (sender device, client message id, conversation).
-- With the conversation left out of the key, a client that reused one id in a second
-- conversation had that message stored without a dedup row (the insert conflicted and was
-- skipped), so a resend of it was stored again; and two such sends in one batch were answered
-- "stored" with the first one's seq while the second was dropped (tidings_send_batch keyed its
-- in-batch duplicates the same way; fixed with this version).
ALTER TABLE send_dedup DROP CONSTRAINT send_dedup_pkey;
ALTER TABLE send_dedup ADD PRIMARY KEY (device_id, client_message_id, conversation_id);

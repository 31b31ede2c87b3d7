-- tidings_media_forget(p_blobs) RETURNS TABLE (id text)
-- The second step of collecting blobs: deletes the rows of blobs whose files are gone, unless a
-- finish took a blob back meanwhile (tidings_media_begin_finish clears collecting: the new
-- upload's file is moved in once the old one is deleted). Returns the ids deleted.
-- No status codes: it succeeds or raises.
CREATE OR REPLACE FUNCTION tidings_media_forget(p_blobs text[])
RETURNS TABLE (id text)
LANGUAGE sql AS $$
    DELETE FROM media_blobs b WHERE b.id = ANY (p_blobs) AND b.collecting RETURNING b.id;
$$;

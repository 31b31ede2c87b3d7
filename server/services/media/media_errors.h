#pragma once
// The media store's refusals as wire errors (the HTTP layer turns them into statuses and JSON).
#include "media/blob_error.h"
#include "protocol/result.h"

namespace tidings::server {

//! A blob store error as the client sees it: NO_SUCH_BLOB, OFFSET_MISMATCH (with the upload's
//! offset), TOO_LARGE, UPLOAD_INCOMPLETE (with the offset), HASH_MISMATCH, STORAGE_FULL;
//! another chunk or finish of the same upload still running is RATE_LIMITED (retry in a
//! second); file-system failures are INTERNAL (logged, not shown).
Error mediaError(const media::BlobError &error);

//! Unknown, malformed, finished, expired and other users' upload ids all get this answer.
Error noSuchUpload();

} // namespace tidings::server

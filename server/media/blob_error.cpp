#include "blob_error.h"

namespace tidings::media {

const char *blobErrorName(BlobErrorCode code) {
    switch (code) {
    case BlobErrorCode::InvalidId:
        return "INVALID_ID";
    case BlobErrorCode::NotFound:
        return "NO_SUCH_BLOB";
    case BlobErrorCode::OffsetMismatch:
        return "OFFSET_MISMATCH";
    case BlobErrorCode::TooLarge:
        return "TOO_LARGE";
    case BlobErrorCode::Busy:
        return "UPLOAD_BUSY";
    case BlobErrorCode::Incomplete:
        return "UPLOAD_INCOMPLETE";
    case BlobErrorCode::HashMismatch:
        return "HASH_MISMATCH";
    case BlobErrorCode::NoSpace:
        return "STORAGE_FULL";
    case BlobErrorCode::Io:
        return "INTERNAL";
    }
    return "INTERNAL";
}

int blobErrorHttpStatus(BlobErrorCode code) {
    switch (code) {
    case BlobErrorCode::InvalidId:
        return 400;
    case BlobErrorCode::NotFound:
        return 404;
    case BlobErrorCode::OffsetMismatch:
    case BlobErrorCode::Busy:
    case BlobErrorCode::Incomplete:
        return 409;
    case BlobErrorCode::TooLarge:
        return 413;
    case BlobErrorCode::HashMismatch:
        return 422;
    case BlobErrorCode::NoSpace:
        return 507;
    case BlobErrorCode::Io:
        return 500;
    }
    return 500;
}

} // namespace tidings::media

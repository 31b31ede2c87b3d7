#include "services/media/media_errors.h"

#include "media/media_logging.h"

namespace tidings::server {

Error mediaError(const media::BlobError &e) {
    using media::BlobErrorCode;
    switch (e.code) {
    case BlobErrorCode::InvalidId:
        return Error{ErrorCode::BadFrame, e.detail};
    case BlobErrorCode::NotFound:
        return Error{ErrorCode::NoSuchBlob, e.detail};
    case BlobErrorCode::OffsetMismatch: {
        Error out{ErrorCode::OffsetMismatch, e.detail};
        out.uploadOffset = e.currentOffset;
        return out;
    }
    case BlobErrorCode::TooLarge:
        return Error{ErrorCode::TooLarge, e.detail};
    case BlobErrorCode::Busy:
        return Error{ErrorCode::RateLimited,
                     QStringLiteral("another chunk of this upload is still being received"), 1000};
    case BlobErrorCode::Incomplete: {
        Error out{ErrorCode::UploadIncomplete, e.detail};
        out.uploadOffset = e.currentOffset;
        return out;
    }
    case BlobErrorCode::HashMismatch:
        return Error{ErrorCode::HashMismatch,
                     QStringLiteral("the uploaded bytes do not match the SHA-256")};
    case BlobErrorCode::NoSpace:
        qCWarning(lcServerMedia) << "disk full:" << e.detail;
        return Error{ErrorCode::StorageFull,
                     QStringLiteral("the server's storage is full; try again later")};
    case BlobErrorCode::Io:
        break;
    }
    qCWarning(lcServerMedia) << "media store failure:" << e.detail;
    return Error{ErrorCode::Internal, QStringLiteral("the media store failed; try again")};
}

Error noSuchUpload() {
    return Error{ErrorCode::NoSuchBlob, QStringLiteral("no such upload")};
}

} // namespace tidings::server

#pragma once
// Media: the server's local store of end-to-end encrypted blobs. The gateway asks it for bearer
// tokens (MediaTokenRequest over the WebSocket); the media HTTP endpoints (gateway/media_http)
// call MediaService with a MediaCaller and plain values. Nothing here knows HTTP or frames, and
// nothing here learns more of a blob than its size, its SHA-256 and who uploaded it.
#include "core/caller.h"

#include <QByteArray>
#include <QString>

#include <memory>

class QFile;

namespace tidings::server {

//! What MediaTokenResponse carries.
struct MediaToken {
    QByteArray token;
    qint64 expiresAtMs = 0;
    quint64 maxFileBytes = 0;
    quint32 chunkBytes = 0;
    quint64 quotaBytes = 0;
    quint64 usedBytes = 0;
};

//! The device an HTTP media request comes from, once its token is verified.
struct MediaCaller {
    quint64 userId = 0;
    quint64 deviceId = 0;
};

struct UploadCreated {
    QString uploadId;
    quint32 chunkBytes = 0;
    quint64 usedBytes = 0; //!< the user's quota use, this upload included
};

struct UploadProgress {
    quint64 offset = 0; //!< bytes stored so far (the next chunk starts here)
    quint64 length = 0; //!< the declared size
};

struct FinishedUpload {
    QString blobId; //!< 64 lower-case hex digits: the SHA-256 of the blob
    quint64 size = 0;
};

//! An open blob for a download. Move-only (it owns the file).
struct BlobDownload {
    QString blobId;
    quint64 size = 0;
    std::unique_ptr<QFile> file;
    //! The user's download slot: held while the body streams (release it with the response).
    std::shared_ptr<void> slot;
};

class Media {
public:
    virtual ~Media() = default;

    //! A bearer token for the media endpoints, bound to the caller's user and device, and the
    //! limits that apply to them (answers MediaTokenRequest).
    virtual void issueToken(const Caller &caller, Reply<MediaToken> reply) = 0;
};

} // namespace tidings::server

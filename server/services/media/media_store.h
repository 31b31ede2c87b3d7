#pragma once
// What the media service needs from its metadata store (the blobs themselves are files: see
// media/blob_store.h). Statuses mirror the PL/pgSQL functions' codes.
#include "protocol/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace tidings::server {

//! tidings_media_create_upload's status.
enum class CreateUploadStatus { Created = 0, Revoked = 1, QuotaExceeded = 2, TooManyUploads = 3 };

struct CreateUploadOutcome {
    CreateUploadStatus status = CreateUploadStatus::Revoked;
    quint64 usedBytes = 0; //!< Created: including the new upload; otherwise before it
};

//! tidings_media_begin_finish's status.
enum class BeginFinishStatus { Ok = 0, Revoked = 1, NoSuchUpload = 2 };

struct BeginFinishOutcome {
    BeginFinishStatus status = BeginFinishStatus::NoSuchUpload;
    quint64 size = 0; //!< Ok: the upload's declared size
};

struct UploadOwner {
    quint64 userId = 0;
    quint64 declaredSize = 0;
};

//! What the collector chose: expired uploads (rows already gone) and blobs whose files must be
//! deleted before forgetBlobs().
struct CollectedMedia {
    QStringList uploads;
    QStringList blobs;
};

class MediaStore {
public:
    template <typename T> using Callback = std::function<void(Result<T>)>;

    virtual ~MediaStore() = default;

    //! The token secret: `candidate` (32 random bytes) if none was stored yet, else the stored one.
    virtual void ensureSecret(const QByteArray &candidate, Callback<QByteArray> cb) = 0;
    //! True when the device exists, is the user's and is not revoked.
    virtual void deviceActive(quint64 userId, quint64 deviceId, Callback<bool> cb) = 0;
    //! The user's ready blobs plus the declared sizes of the user's unfinished uploads.
    virtual void usage(quint64 userId, Callback<quint64> cb) = 0;
    virtual void createUpload(const QString &uploadId, quint64 userId, quint64 deviceId,
                              quint64 declaredSize, quint64 quotaBytes, int maxOpenUploads,
                              qint64 nowMs, Callback<CreateUploadOutcome> cb) = 0;
    //! The unfinished upload's owner, or nothing.
    virtual void uploadOwner(const QString &uploadId, Callback<std::optional<UploadOwner>> cb) = 0;
    //! Which of `uploadIds` have rows (unfinished uploads the database knows).
    virtual void existingUploads(const QStringList &uploadIds, Callback<QStringList> cb) = 0;
    //! Checks the upload is the user's and makes sure a row for the blob exists (see
    //! tidings_media_begin_finish). Ordered with collect().
    virtual void beginFinish(const QString &uploadId, quint64 userId, quint64 deviceId,
                             const QString &blobId, qint64 nowMs,
                             Callback<BeginFinishOutcome> cb) = 0;
    //! The blob's file is in place: the row is ready (and the user's if it was not ready yet),
    //! the upload's row is gone.
    virtual void endFinish(const QString &uploadId, const QString &blobId, quint64 size,
                           quint64 userId, qint64 nowMs, std::function<void(Status)> cb) = 0;
    //! Deletes the user's upload row; false when there is none.
    virtual void cancelUpload(const QString &uploadId, quint64 userId, Callback<bool> cb) = 0;
    //! tidings_media_collect. Ordered with beginFinish().
    virtual void collect(qint64 nowMs, int uploadHours, int graceHours, int mediaDays, int limit,
                         Callback<CollectedMedia> cb) = 0;
    //! Deletes the rows of collected blobs whose files are gone; returns the ids deleted.
    virtual void forgetBlobs(const QStringList &blobIds, Callback<QStringList> cb) = 0;
};

} // namespace tidings::server

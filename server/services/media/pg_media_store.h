#pragma once
// MediaStore on PostgreSQL: the tidings_media_* functions with their status codes, the rest as
// plain statements with named columns. beginFinish and collect run on one fixed pool connection
// (shard 0), so a collection and a finish of the same blob are ordered (see
// tidings_media_begin_finish); everything else goes to the least busy connection.
#include "services/media/media_store.h"

namespace tidings::server {

class PgPool;

class PgMediaStore final : public MediaStore {
public:
    explicit PgMediaStore(PgPool &pool)
        : m_pool(pool) {}

    void ensureSecret(const QByteArray &candidate, Callback<QByteArray> cb) override;
    void deviceActive(quint64 userId, quint64 deviceId, Callback<bool> cb) override;
    void usage(quint64 userId, Callback<quint64> cb) override;
    void createUpload(const QString &uploadId, quint64 userId, quint64 deviceId,
                      quint64 declaredSize, quint64 quotaBytes, int maxOpenUploads, qint64 nowMs,
                      Callback<CreateUploadOutcome> cb) override;
    void uploadOwner(const QString &uploadId, Callback<std::optional<UploadOwner>> cb) override;
    void existingUploads(const QStringList &uploadIds, Callback<QStringList> cb) override;
    void beginFinish(const QString &uploadId, quint64 userId, quint64 deviceId,
                     const QString &blobId, qint64 nowMs, Callback<BeginFinishOutcome> cb) override;
    void endFinish(const QString &uploadId, const QString &blobId, quint64 size, quint64 userId,
                   qint64 nowMs, std::function<void(Status)> cb) override;
    void cancelUpload(const QString &uploadId, quint64 userId, Callback<bool> cb) override;
    void collect(qint64 nowMs, int uploadHours, int graceHours, int mediaDays, int limit,
                 Callback<CollectedMedia> cb) override;
    void forgetBlobs(const QStringList &blobIds, Callback<QStringList> cb) override;

private:
    PgPool &m_pool;
};

} // namespace tidings::server

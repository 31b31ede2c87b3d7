#include "services/media/pg_media_store.h"

#include "db/pg_array.h"
#include "db/pg_connection.h"
#include "media/media_logging.h"
#include "services/common/errors.h"

namespace tidings::server {

namespace {

//! Collections and the first step of finishes share this connection (see the header).
constexpr int kBlobShard = 0;

QByteArray timestamp(int index) {
    return "to_timestamp($" + QByteArray::number(index) + "::double precision / 1000)";
}

std::vector<QByteArray> utf8(const QStringList &list) {
    std::vector<QByteArray> out;
    out.reserve(std::size_t(list.size()));
    for (const QString &s : list)
        out.push_back(s.toUtf8());
    return out;
}

QStringList column(const PgResult &r, const char *name) {
    QStringList out;
    const int c = r.column(name);
    for (int i = 0; i < r.rows(); ++i)
        out << r.string(i, c);
    return out;
}

} // namespace

void PgMediaStore::ensureSecret(const QByteArray &candidate, Callback<QByteArray> cb) {
    // The insert's row is not visible to the outer SELECT of the same statement: union both.
    m_pool.any()->exec(PgQuery{"WITH ins AS (INSERT INTO media_secret (id, secret) VALUES (1, $1) "
                               "ON CONFLICT (id) DO NOTHING RETURNING secret) "
                               "SELECT secret FROM ins UNION ALL "
                               "SELECT secret FROM media_secret WHERE id = 1 LIMIT 1",
                               {},
                               {}}
                           .argBytes(candidate),
                       [cb](PgResult r) {
                           if (!r.ok() || r.rows() != 1)
                               return cb(databaseError(r, lcServerMedia()));
                           cb(r.bytea(0, "secret"));
                       });
}

void PgMediaStore::deviceActive(quint64 userId, quint64 deviceId, Callback<bool> cb) {
    m_pool.any()->exec(PgQuery{"SELECT revoked_at IS NULL AS active FROM devices "
                               "WHERE id = $1 AND user_id = $2",
                               {},
                               {}}
                           .arg(deviceId)
                           .arg(userId),
                       [cb](PgResult r) {
                           if (!r.ok())
                               return cb(databaseError(r, lcServerMedia()));
                           cb(r.rows() == 1 && r.boolean(0, "active"));
                       });
}

void PgMediaStore::usage(quint64 userId, Callback<quint64> cb) {
    m_pool.any()->exec(PgQuery{"SELECT (SELECT COALESCE(sum(size), 0) FROM media_blobs "
                               "        WHERE uploader_id = $1 AND ready AND NOT collecting) "
                               "     + (SELECT COALESCE(sum(declared_size), 0) FROM media_uploads "
                               "        WHERE user_id = $1) AS used",
                               {},
                               {}}
                           .arg(userId),
                       [cb](PgResult r) {
                           if (!r.ok() || r.rows() != 1)
                               return cb(databaseError(r, lcServerMedia()));
                           cb(quint64(r.int64(0, "used")));
                       });
}

void PgMediaStore::createUpload(const QString &uploadId, quint64 userId, quint64 deviceId,
                                quint64 declaredSize, quint64 quotaBytes, int maxOpenUploads,
                                qint64 nowMs, Callback<CreateUploadOutcome> cb) {
    m_pool.any()->exec(
        PgQuery{"SELECT status, used FROM tidings_media_create_upload($1, $2, $3, $4, $5, $6, " +
                    timestamp(7) + ")",
                {},
                {}}
            .arg(uploadId)
            .arg(userId)
            .arg(deviceId)
            .arg(declaredSize)
            .arg(qMin<quint64>(quotaBytes, quint64(std::numeric_limits<qint64>::max())))
            .arg(maxOpenUploads)
            .arg(nowMs),
        [cb](PgResult r) {
            if (!r.ok() || r.rows() != 1)
                return cb(databaseError(r, lcServerMedia()));
            const qint64 status = r.int64(0, "status");
            if (status < 0 || status > 3)
                return cb(databaseError(r, lcServerMedia()));
            cb(CreateUploadOutcome{CreateUploadStatus(status), quint64(r.int64(0, "used"))});
        });
}

void PgMediaStore::uploadOwner(const QString &uploadId, Callback<std::optional<UploadOwner>> cb) {
    m_pool.any()->exec(
        PgQuery{"SELECT user_id, declared_size FROM media_uploads WHERE id = $1", {}, {}}.arg(
            uploadId),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcServerMedia()));
            if (r.rows() == 0)
                return cb(std::optional<UploadOwner>{});
            cb(std::optional<UploadOwner>{
                UploadOwner{quint64(r.int64(0, "user_id")), quint64(r.int64(0, "declared_size"))}});
        });
}

void PgMediaStore::existingUploads(const QStringList &uploadIds, Callback<QStringList> cb) {
    m_pool.any()->exec(
        PgQuery{"SELECT id FROM media_uploads WHERE id = ANY ($1::text[])", {}, {}}.arg(
            pgarray::texts(utf8(uploadIds))),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcServerMedia()));
            cb(column(r, "id"));
        });
}

void PgMediaStore::beginFinish(const QString &uploadId, quint64 userId, quint64 deviceId,
                               const QString &blobId, qint64 nowMs,
                               Callback<BeginFinishOutcome> cb) {
    m_pool.at(kBlobShard)
        ->exec(PgQuery{"SELECT status, size FROM tidings_media_begin_finish($1, $2, $3, $4, " +
                           timestamp(5) + ")",
                       {},
                       {}}
                   .arg(uploadId)
                   .arg(userId)
                   .arg(deviceId)
                   .arg(blobId)
                   .arg(nowMs),
               [cb](PgResult r) {
                   if (!r.ok() || r.rows() != 1)
                       return cb(databaseError(r, lcServerMedia()));
                   const qint64 status = r.int64(0, "status");
                   if (status < 0 || status > 2)
                       return cb(databaseError(r, lcServerMedia()));
                   cb(BeginFinishOutcome{BeginFinishStatus(status), quint64(r.int64(0, "size"))});
               });
}

void PgMediaStore::endFinish(const QString &uploadId, const QString &blobId, quint64 size,
                             quint64 userId, qint64 nowMs, std::function<void(Status)> cb) {
    // A row that was not ready yet becomes the finishing user's, with the verified size; a
    // ready one (the same content uploaded before) stays whose it was.
    m_pool.any()->exec(
        PgQuery{"WITH done AS (DELETE FROM media_uploads WHERE id = $1) "
                "INSERT INTO media_blobs AS b (id, size, uploader_id, ready, created_at, "
                " touched_at) VALUES ($2, $3, $4, true, " +
                    timestamp(5) + ", " + timestamp(5) +
                    ") "
                    "ON CONFLICT (id) DO UPDATE SET ready = true, collecting = false, "
                    " size = CASE WHEN b.ready THEN b.size ELSE EXCLUDED.size END, "
                    " uploader_id = CASE WHEN b.ready THEN b.uploader_id ELSE EXCLUDED.uploader_id "
                    " END, touched_at = GREATEST(b.touched_at, EXCLUDED.touched_at)",
                {},
                {}}
            .arg(uploadId)
            .arg(blobId)
            .arg(size)
            .arg(userId)
            .arg(nowMs),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcServerMedia()));
            cb(Status{});
        });
}

void PgMediaStore::cancelUpload(const QString &uploadId, quint64 userId, Callback<bool> cb) {
    m_pool.any()->exec(
        PgQuery{"DELETE FROM media_uploads WHERE id = $1 AND user_id = $2 RETURNING id", {}, {}}
            .arg(uploadId)
            .arg(userId),
        [cb](PgResult r) {
            if (!r.ok())
                return cb(databaseError(r, lcServerMedia()));
            cb(r.rows() > 0);
        });
}

void PgMediaStore::collect(qint64 nowMs, int uploadHours, int graceHours, int mediaDays, int limit,
                           Callback<CollectedMedia> cb) {
    m_pool.at(kBlobShard)
        ->exec(PgQuery{"SELECT kind, id FROM tidings_media_collect(" + timestamp(1) +
                           ", $2, $3, $4, $5)",
                       {},
                       {}}
                   .arg(nowMs)
                   .arg(uploadHours)
                   .arg(graceHours)
                   .arg(mediaDays)
                   .arg(limit),
               [cb](PgResult r) {
                   if (!r.ok())
                       return cb(databaseError(r, lcServerMedia()));
                   CollectedMedia out;
                   const int cKind = r.column("kind"), cId = r.column("id");
                   for (int i = 0; i < r.rows(); ++i)
                       (r.text(i, cKind) == "upload" ? out.uploads : out.blobs) << r.string(i, cId);
                   cb(std::move(out));
               });
}

void PgMediaStore::forgetBlobs(const QStringList &blobIds, Callback<QStringList> cb) {
    m_pool.at(kBlobShard)
        ->exec(PgQuery{"SELECT id FROM tidings_media_forget($1::text[])", {}, {}}.arg(
                   pgarray::texts(utf8(blobIds))),
               [cb](PgResult r) {
                   if (!r.ok())
                       return cb(databaseError(r, lcServerMedia()));
                   cb(column(r, "id"));
               });
}

} // namespace tidings::server

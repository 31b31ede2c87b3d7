#pragma once
// The server's media blobs on disk, without a database: content-addressed by the SHA-256 of the
// ciphertext, sharded (DATA/media/blobs/ab/cd/<hex>), written through resumable uploads staged
// in DATA/media/uploads/<upload id>/ (a `meta` file with the declared size, a `data` file whose
// size IS the upload's offset, so the offset survives a SIGKILL or a power cut: appends are
// fdatasync'ed before they are acknowledged).
//
// finish() hashes the staged file in 1 MiB reads (memory bounded for any size), compares, syncs
// and renames it into place atomically; a second upload of the same content deduplicates onto
// the existing blob. Paths are built only from BlobId/UploadId, which cannot express a
// traversal. Thread-safe: finish() may run on a worker thread (finishInBackground) while the
// event loop appends to other uploads.
#include "blob_error.h"
#include "media_ids.h"

#include <QDateTime>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include <sys/types.h>

class QFile;
class QObject;
class QThreadPool;

namespace tidings::media {

struct BlobStoreOptions {
    quint64 maxBlobSize = quint64(2) << 30; //!< 2 GiB, the issue's default limit
    //! Seam for tests: every data write goes through it (default ::write). Lets a test inject
    //! ENOSPC without a full disk.
    std::function<ssize_t(int fd, const void *data, size_t size)> write;
};

struct UploadInfo {
    UploadId id;
    quint64 declaredSize = 0;
    quint64 offset = 0;     //!< bytes staged (the data file's size)
    QDateTime lastActivity; //!< last append (or creation)
};

struct FinishedBlob {
    BlobId id;
    quint64 size = 0;
    bool deduplicated = false; //!< the blob already existed; the upload was dropped
};

struct StoreUsage {
    quint64 blobBytes = 0;
    quint64 blobCount = 0;
    quint64 stagingBytes = 0;
    quint64 uploadCount = 0;
};

class BlobStore;
struct BlobStoreState;
struct RunningHash;

//! One append in progress: write() pieces as they arrive (e.g. from an HTTP body sink), then
//! commit(). Holds the upload's lock; destroying it without commit keeps what was written
//! (every written byte is a correct byte at its offset) but makes no durability promise.
class UploadWriter {
public:
    UploadWriter(UploadWriter &&other) noexcept;
    UploadWriter &operator=(UploadWriter &&) = delete;
    ~UploadWriter();

    //! Appends; on ENOSPC the partial piece is cut off again, so the file ends on a piece
    //! boundary and offset() stays the truth.
    BlobStatus write(QByteArrayView data);
    //! fdatasync, then the new offset (what a client may be told).
    BlobResult<quint64> commit();
    quint64 offset() const { return m_offset; }

private:
    friend class BlobStore;
    UploadWriter(std::shared_ptr<BlobStoreState> state, UploadId id, int fd, quint64 offset,
                 quint64 declaredSize);

    std::shared_ptr<BlobStoreState> m_state;
    UploadId m_id;
    int m_fd = -1;
    quint64 m_offset = 0;
    quint64 m_declaredSize = 0;
    std::shared_ptr<RunningHash> m_hash; //!< null: finish() hashes the file
};

class BlobStore {
public:
    explicit BlobStore(QString dataDir, BlobStoreOptions options = {});
    ~BlobStore();

    //! Creates the folders and counts what is stored (one directory walk).
    BlobStatus open();

    BlobResult<UploadId> createUpload(quint64 declaredSize);
    //! The upload's state, e.g. its offset after a restart.
    BlobResult<UploadInfo> upload(const UploadId &id) const;
    //! True when nobody holds the upload now (no chunk being received or written, no finish);
    //! else false, and `ready` runs once it is released, on the thread that releases it (a pool
    //! thread: post from there). Why: while a chunk is still on its way to the disk (e.g. its
    //! connection was just cut) the offset would still grow; an idle upload's offset is final.
    bool whenIdle(const UploadId &id, std::function<void()> ready);
    //! Forgets every waiting `ready` (their receiver is going away).
    void dropIdleWaiters();
    //! `offset` must equal the current offset; anything else is OffsetMismatch with the offset.
    BlobResult<UploadWriter> beginAppend(const UploadId &id, quint64 offset);
    //! beginAppend + write + commit in one call; returns the new offset.
    BlobResult<quint64> append(const UploadId &id, quint64 offset, QByteArrayView data);
    //! `expectedSha256`: 32 bytes. Blocks for the hashing: call it off the event loop for large
    //! files (finishInBackground). On HashMismatch the upload is removed (NotFound afterwards).
    BlobResult<FinishedBlob> finish(const UploadId &id, const QByteArray &expectedSha256);
    //! finish() on a pool thread (`pool`, default the global one, which must then outlive the
    //! store's use); `done` runs in `context`'s thread.
    void finishInBackground(const UploadId &id, const QByteArray &expectedSha256, QObject *context,
                            std::function<void(BlobResult<FinishedBlob>)> done,
                            QThreadPool *pool = nullptr);
    BlobStatus cancel(const UploadId &id);

    BlobResult<quint64> blobSize(const BlobId &id) const;
    //! Open for reading (for HttpExchange::respondDevice).
    BlobResult<std::unique_ptr<QFile>> openBlob(const BlobId &id) const;
    BlobStatus removeBlob(const BlobId &id);

    //! Uploads with no activity for `maxAge` (default use: a day), oldest first.
    QList<UploadInfo> staleUploads(std::chrono::seconds maxAge,
                                   const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    //! Cancels the stale uploads that are not in use; returns how many were removed.
    int removeStaleUploads(std::chrono::seconds maxAge,
                           const QDateTime &now = QDateTime::currentDateTimeUtc());

    StoreUsage usage() const;
    quint64 maxBlobSize() const { return m_maxBlobSize; }
    //! A new limit (SIGHUP) for uploads created from now on (read on the pool's threads too).
    void setMaxBlobSize(quint64 bytes) { m_maxBlobSize = bytes; }

    //! DATA/media: the folder everything of the store is in.
    const QString &root() const { return m_root; }
    QString blobPath(const BlobId &id) const;
    QString uploadDir(const UploadId &id) const;

private:
    BlobResult<UploadInfo> readUpload(const UploadId &id) const;

    QString m_root; //!< DATA/media
    BlobStoreOptions m_options;
    std::atomic<quint64> m_maxBlobSize;
    std::shared_ptr<BlobStoreState> m_state;
};

} // namespace tidings::media

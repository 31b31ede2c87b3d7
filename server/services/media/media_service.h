#pragma once
// The media store's logic, over the blob files (media::BlobStore) and their metadata
// (MediaStore):
// - bearer tokens: HMAC-SHA256 under a secret kept in the database, bound to user and device,
//   short-lived; a revoked device is refused (read from the database on create and finish,
//   cached briefly for the requests in between, and dropped at once when this node revokes it);
// - limits before any byte: the declared size against the largest file and the user's quota
//   (ready blobs + unfinished uploads' declared sizes), each chunk against the chunk size and the
//   declared size, free disk space (STORAGE_FULL; messages keep flowing), requests per user and
//   minute, chunks of one user in flight at once;
// - disk work (creating an upload, writing and committing a chunk, deleting) runs on a small
//   thread pool, never on the event loop; hashing and moving a finished upload on a pool of its
//   own, so that chunks never wait behind a large file being hashed. One finish per upload and
//   a few per user run at once (RATE_LIMITED beyond), one whose client went away before its
//   turn is not hashed, and an upload that does not match its hash is dropped: a finish cannot
//   be repeated to make the server hash the same bytes again;
// - a blob becomes fetchable only once its hash is verified and it is moved into place;
// - expiry (collect): unfinished uploads after a day, blobs no message can reach any more.
#include "media/blob_store.h"
#include "media/upload_queue.h"
#include "services/media/media.h"
#include "services/media/media_store.h"

#include "core/lru_cache.h"

#include <QHash>
#include <QMetaObject>
#include <QObject>
#include <QSet>
#include <QThreadPool>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <unordered_map>

namespace tidings::server {

class Clock;

struct MediaOptions {
    quint64 maxFileBytes = quint64(2) << 30;  //!< the largest blob an upload may declare
    quint64 quotaBytes = quint64(10) << 30;   //!< per user
    quint32 chunkBytes = 4 * 1024 * 1024;     //!< the largest PATCH body
    int retentionDays = 0;                    //!< 0: blobs live while a message points to them
    qint64 tokenTtlMs = 10 * 60 * 1000;       //!< tokens expire after this
    int requestsPerMinute = 3000;             //!< HTTP requests per user
    int concurrentChunks = 8;                 //!< chunks of one user received at once
    int concurrentFinishes = 2;               //!< uploads of one user hashed at once
    int concurrentDownloads = 8;              //!< downloads of one user streaming at once
    int maxOpenUploads = 64;                  //!< unfinished uploads per user
    qint64 revocationCacheMs = 30'000;        //!< how stale a "not revoked" answer may be
    int uploadExpiryHours = 24;               //!< unfinished uploads are removed after this
    int graceHours = 24;                      //!< a blob may wait this long for its message
    int collectBatch = 1000;                  //!< uploads and blobs collected per run
    quint64 reserveBytes = quint64(64) << 20; //!< free disk kept: uploads stop above it
    //! Free bytes on the store's file system; default: QStorageInfo. A test seam.
    std::function<quint64()> freeBytes;
};

//! One chunk being received: its bytes go to the disk through the queue, which holds the
//! upload's lock and the user's slot until the chunk is committed, failed or cut off.
struct ChunkGrant {
    std::unique_ptr<media::UploadQueue> queue;
};

struct MediaCollection {
    int uploads = 0; //!< expired or orphaned unfinished uploads removed
    int blobs = 0;   //!< blob files deleted
};

class MediaService final : public Media {
public:
    MediaService(MediaStore &store, media::BlobStore &blobs, const Clock &clock,
                 MediaOptions options);
    ~MediaService() override;

    //! Opens the blob store and loads (or creates) the token secret. Nothing else works before.
    void start(std::function<void(Status)> done);
    const MediaOptions &options() const { return m_options; }
    //! New limits (SIGHUP): the file size, quota and media retention apply from now on.
    void setLimits(quint64 maxFileBytes, quint64 quotaBytes, int retentionDays) {
        m_options.maxFileBytes = maxFileBytes;
        m_options.quotaBytes = quotaBytes;
        m_options.retentionDays = retentionDays;
    }

    // Media
    void issueToken(const Caller &caller, Reply<MediaToken> reply) override;

    //! The device a bearer token speaks for: NOT_AUTHENTICATED when missing, malformed, forged,
    //! expired or revoked; RATE_LIMITED past the user's requests per minute.
    void authorize(QByteArrayView token, Reply<MediaCaller> reply);
    void createUpload(const MediaCaller &caller, quint64 declaredSize, Reply<UploadCreated> reply);
    void progress(const MediaCaller &caller, const QString &uploadId, Reply<UploadProgress> reply);
    //! Checks one chunk of `length` bytes at `offset` before any of it is read; the grant's
    //! queue then takes the bytes, writes them and makes them durable on the media pool (see
    //! media::UploadQueue), never on the event loop.
    void beginChunk(const MediaCaller &caller, const QString &uploadId, quint64 offset,
                    quint64 length, Reply<ChunkGrant> reply);
    //! `sha256Hex`: the blob's SHA-256 as the client computed it (64 hex digits). `abandoned`
    //! (optional) turns true when nobody waits for the answer any more: then the upload is left
    //! as it is, unhashed, if the hashing has not started yet.
    void finishUpload(const MediaCaller &caller, const QString &uploadId, const QString &sha256Hex,
                      Reply<FinishedUpload> reply,
                      std::shared_ptr<const std::atomic_bool> abandoned = {});
    void cancelUpload(const MediaCaller &caller, const QString &uploadId, StatusReply reply);
    //! Any authenticated user who knows a blob's id may fetch it; at most concurrentDownloads
    //! at once per user (RATE_LIMITED), each counted until its BlobDownload::slot is released.
    void openBlob(const MediaCaller &caller, const QString &blobId, Reply<BlobDownload> reply);

    //! Expiry, from the server's maintenance: expired and orphaned uploads, unreachable blobs.
    void collect(Reply<MediaCollection> done);
    //! This node revoked a device: its tokens stop working at once.
    void deviceRevoked(quint64 userId, quint64 deviceId);
    //! Drops finished rate-limit windows and stale revocation answers (heartbeat).
    void pruneRateLimits();

    int activeChunks() const;

private:
    struct Window {
        qint64 startMs = 0;
        int count = 0;
    };
    struct DeviceState {
        bool active = false;
        qint64 checkedMs = 0;
    };
    struct Slots;

    void withOwnUpload(const MediaCaller &caller, const media::UploadId &upload,
                       Reply<UploadOwner> reply);
    void hashAndMove(const MediaCaller &caller, const media::UploadId &upload,
                     const media::BlobId &blob, std::shared_ptr<const std::atomic_bool> abandoned,
                     Reply<FinishedUpload> reply);
    void recordFinished(const MediaCaller &caller, const media::UploadId &upload,
                        const media::BlobId &blob, quint64 size, Reply<FinishedUpload> reply);
    void sweepOrphans(QList<media::UploadInfo> stale, std::function<void(int)> done);
    void deleteBlobs(QStringList blobs, std::function<void(int)> done);
    std::optional<Error> checkDisk(quint64 bytes) const;
    //! Runs `work` on the media thread pool and `done` with its result on the event loop.
    template <typename T>
    void background(std::function<T()> work, std::function<void(T)> done,
                    QThreadPool *pool = nullptr);

    MediaStore &m_store;
    media::BlobStore &m_blobs;
    const Clock &m_clock;
    MediaOptions m_options;
    QByteArray m_secret;
    QThreadPool m_io;
    QThreadPool m_hashing; //!< finishes only: hashing large files never delays a chunk's sync
    std::unique_ptr<QObject> m_context; //!< background results are delivered through it
    std::shared_ptr<Slots> m_slots;
    QHash<quint64, Window> m_windows;        //!< user → requests this minute
    QHash<quint64, DeviceState> m_devices;   //!< device → revocation answer
    LruCache<QString, UploadOwner> m_owners; //!< upload id → owner
    //! Uploads created in the last hour (monotonic ms): the orphan sweep leaves them alone.
    QHash<QString, qint64> m_recentlyCreated;
    QSet<QString> m_finishing;                        //!< upload ids with a finish in flight
    QHash<quint64, int> m_finishesOfUser;             //!< user → finishes in flight
    std::shared_ptr<QHash<quint64, int>> m_downloads; //!< user → downloads streaming
    //! Blobs whose files are being deleted, and finishes waiting for that.
    std::unordered_map<QString, std::vector<std::function<void()>>> m_collecting;
    bool m_collectRunning = false;
};

template <typename T>
void MediaService::background(std::function<T()> work, std::function<void(T)> done,
                              QThreadPool *pool) {
    QObject *context = m_context.get();
    (pool ? pool : &m_io)->start([work = std::move(work), done = std::move(done), context] {
        auto result = std::make_shared<T>(work());
        // Dropped if the service is going (its destructor waits for the pool first).
        QMetaObject::invokeMethod(
            context, [done, result] { done(std::move(*result)); }, Qt::QueuedConnection);
    });
}

} // namespace tidings::server

#include "services/media/media_service.h"

#include "core/clock.h"
#include "media/media_logging.h"
#include "services/media/media_errors.h"
#include "services/media/media_token.h"

#include <QFile>
#include <QMetaObject>
#include <QObject>
#include <QStorageInfo>
#include <QThread>
#include <QTimer>

#include <sodium.h>

#include <mutex>
#include <utility>

namespace tidings::server {

using media::BlobId;
using media::UploadId;

//! Chunks in flight per user. Shared with the grants' slots, which may outlive a call and be
//! released on a pool thread.
struct MediaService::Slots {
    std::mutex mutex;
    QHash<quint64, int> active;
};

namespace {

//! How long an offset query waits for the chunk still being written (progress()).
constexpr int kIdleWaitMs = 2000;

Error notAuthenticated(const char *why) {
    return Error{ErrorCode::NotAuthenticated, QString::fromLatin1(why)};
}

} // namespace

MediaService::MediaService(MediaStore &store, media::BlobStore &blobs, const Clock &clock,
                           MediaOptions options)
    : m_store(store)
    , m_blobs(blobs)
    , m_clock(clock)
    , m_options(std::move(options))
    , m_context(std::make_unique<QObject>())
    , m_slots(std::make_shared<Slots>())
    , m_owners(10'000)
    , m_downloads(std::make_shared<QHash<quint64, int>>()) {
    if (sodium_init() < 0)
        qFatal("libsodium cannot be initialised");
    // Disk work only: chunk writes and syncs, creating and deleting. Two threads: a write that
    // blocks (writeback throttling) holds one, and the uploads' queues share them fairly.
    m_io.setMaxThreadCount(2);
    // Hashing reads whole files: its own threads, so the syncs above never queue behind it.
    m_hashing.setMaxThreadCount(2);
    if (!m_options.freeBytes) {
        m_options.freeBytes = [root = m_blobs.root()] {
            return quint64(qMax<qint64>(0, QStorageInfo(root).bytesAvailable()));
        };
    }
}

MediaService::~MediaService() {
    // Jobs touch the blob store; their results are dropped with m_context.
    m_hashing.waitForDone();
    m_io.waitForDone();
    m_blobs.dropIdleWaiters(); // they post to m_context
}

void MediaService::start(std::function<void(Status)> done) {
    if (const media::BlobStatus s = m_blobs.open(); !s)
        return done(Error{ErrorCode::Internal,
                          QStringLiteral("media store unusable: %1").arg(s.error().detail)});
    QByteArray candidate(kMediaSecretBytes, Qt::Uninitialized);
    randombytes_buf(candidate.data(), size_t(candidate.size()));
    m_store.ensureSecret(candidate, [this, done](Result<QByteArray> secret) {
        if (!secret)
            return done(secret.error());
        if (secret->size() != kMediaSecretBytes)
            return done(Error{ErrorCode::Internal, QStringLiteral("media secret malformed")});
        m_secret = *secret;
        done(Status{});
    });
}

int MediaService::activeChunks() const {
    std::lock_guard lock(m_slots->mutex);
    int n = 0;
    for (int v : std::as_const(m_slots->active))
        n += v;
    return n;
}

std::optional<Error> MediaService::checkDisk(quint64 bytes) const {
    const quint64 free = m_options.freeBytes();
    if (free < m_options.reserveBytes || free - m_options.reserveBytes < bytes) {
        qCWarning(lcServerMedia) << "disk full: refusing" << bytes << "bytes," << free << "free";
        return Error{ErrorCode::StorageFull,
                     QStringLiteral("the server's storage is full; try again later")};
    }
    return std::nullopt;
}

void MediaService::issueToken(const Caller &caller, Reply<MediaToken> reply) {
    if (m_secret.isEmpty())
        return reply(Error{ErrorCode::Internal, QStringLiteral("media is not ready")});
    MediaToken t;
    t.expiresAtMs = m_clock.nowMs() + m_options.tokenTtlMs;
    t.token = mintMediaToken(m_secret, {caller.userId, caller.deviceId, t.expiresAtMs});
    t.maxFileBytes = m_options.maxFileBytes;
    t.chunkBytes = m_options.chunkBytes;
    t.quotaBytes = m_options.quotaBytes;
    m_store.usage(caller.userId, [t, reply](Result<quint64> used) mutable {
        if (!used)
            return reply(used.error());
        t.usedBytes = *used;
        reply(std::move(t));
    });
}

void MediaService::authorize(QByteArrayView token, Reply<MediaCaller> reply) {
    if (token.isEmpty())
        return reply(notAuthenticated("a media token is required (Authorization: Bearer)"));
    const auto claims = parseMediaToken(m_secret, token);
    if (!claims)
        return reply(notAuthenticated("the media token is not valid"));
    const qint64 now = m_clock.nowMs();
    if (claims->expiresAtMs <= now)
        return reply(notAuthenticated("the media token expired; ask for a new one"));

    Window &w = m_windows[claims->userId];
    if (now - w.startMs >= 60'000)
        w = Window{now, 0};
    if (++w.count > m_options.requestsPerMinute) {
        const quint32 wait = quint32(qMax<qint64>(1000, w.startMs + 60'000 - now));
        return reply(Error{ErrorCode::RateLimited,
                           QStringLiteral("too many media requests; slow down"), wait});
    }

    const MediaCaller caller{claims->userId, claims->deviceId};
    if (const auto it = m_devices.constFind(caller.deviceId);
        it != m_devices.cend() && now - it->checkedMs < m_options.revocationCacheMs) {
        if (!it->active)
            return reply(notAuthenticated("this device was logged out"));
        return reply(caller);
    }
    m_store.deviceActive(caller.userId, caller.deviceId,
                         [this, caller, now, reply](Result<bool> active) {
                             if (!active)
                                 return reply(active.error());
                             if (m_devices.size() > 100'000)
                                 m_devices.clear(); // bounded; answers are cheap to re-read
                             m_devices.insert(caller.deviceId, DeviceState{*active, now});
                             if (!*active)
                                 return reply(notAuthenticated("this device was logged out"));
                             reply(caller);
                         });
}

void MediaService::deviceRevoked(quint64, quint64 deviceId) {
    m_devices.insert(deviceId, DeviceState{false, m_clock.nowMs()});
}

void MediaService::pruneRateLimits() {
    const qint64 now = m_clock.nowMs();
    for (auto it = m_windows.begin(); it != m_windows.end();)
        it = now - it->startMs >= 60'000 ? m_windows.erase(it) : std::next(it);
    for (auto it = m_devices.begin(); it != m_devices.end();)
        it = now - it->checkedMs >= m_options.revocationCacheMs ? m_devices.erase(it)
                                                                : std::next(it);
    const qint64 steady = monotonicMs();
    for (auto it = m_recentlyCreated.begin(); it != m_recentlyCreated.end();)
        it = steady - *it > 3600'000 ? m_recentlyCreated.erase(it) : std::next(it);
}

void MediaService::createUpload(const MediaCaller &caller, quint64 declaredSize,
                                Reply<UploadCreated> reply) {
    if (declaredSize == 0)
        return reply(Error{ErrorCode::BadFrame, QStringLiteral("an upload cannot be empty")});
    if (declaredSize > m_options.maxFileBytes) {
        return reply(Error{ErrorCode::TooLarge, QStringLiteral("%1 bytes exceed the limit of %2")
                                                    .arg(declaredSize)
                                                    .arg(m_options.maxFileBytes)});
    }
    if (auto full = checkDisk(declaredSize))
        return reply(*full);
    background<media::BlobResult<UploadId>>(
        [this, declaredSize] { return m_blobs.createUpload(declaredSize); },
        [this, caller, declaredSize, reply](media::BlobResult<UploadId> id) {
            if (!id)
                return reply(mediaError(id.error()));
            const UploadId upload = *id;
            m_recentlyCreated.insert(upload.text(), monotonicMs());
            m_store.createUpload(
                upload.text(), caller.userId, caller.deviceId, declaredSize, m_options.quotaBytes,
                m_options.maxOpenUploads, m_clock.nowMs(),
                [this, caller, upload, declaredSize, reply](Result<CreateUploadOutcome> r) {
                    const auto refuse = [this, upload, reply](Error e) {
                        background<bool>([this, upload] { return bool(m_blobs.cancel(upload)); },
                                         [](bool) {});
                        reply(std::move(e));
                    };
                    if (!r)
                        return refuse(r.error());
                    switch (r->status) {
                    case CreateUploadStatus::Created:
                        break;
                    case CreateUploadStatus::Revoked:
                        m_devices.insert(caller.deviceId, DeviceState{false, m_clock.nowMs()});
                        return refuse(notAuthenticated("this device was logged out"));
                    case CreateUploadStatus::QuotaExceeded:
                        return refuse(Error{ErrorCode::QuotaExceeded,
                                            QStringLiteral("%1 of your %2 bytes are in use; this "
                                                           "file needs %3")
                                                .arg(r->usedBytes)
                                                .arg(m_options.quotaBytes)
                                                .arg(declaredSize)});
                    case CreateUploadStatus::TooManyUploads:
                        return refuse(Error{ErrorCode::RateLimited,
                                            QStringLiteral("too many unfinished uploads; finish or "
                                                           "cancel some first"),
                                            60'000});
                    }
                    m_owners.insert(upload.text(), UploadOwner{caller.userId, declaredSize});
                    qCDebug(lcServerMedia) << "upload" << upload.text() << "of" << declaredSize
                                           << "bytes by user" << caller.userId;
                    reply(UploadCreated{upload.text(), m_options.chunkBytes, r->usedBytes});
                });
        });
}

void MediaService::withOwnUpload(const MediaCaller &caller, const UploadId &upload,
                                 Reply<UploadOwner> reply) {
    const auto check = [caller, reply](const UploadOwner &owner) {
        // Someone else's upload is answered like an unknown one: ids tell nothing.
        if (owner.userId != caller.userId)
            return reply(noSuchUpload());
        reply(owner);
    };
    if (const UploadOwner *cached = m_owners.find(upload.text()))
        return check(*cached);
    m_store.uploadOwner(upload.text(),
                        [this, upload, check, reply](Result<std::optional<UploadOwner>> r) {
                            if (!r)
                                return reply(r.error());
                            if (!*r)
                                return reply(noSuchUpload());
                            m_owners.insert(upload.text(), **r);
                            check(**r);
                        });
}

void MediaService::progress(const MediaCaller &caller, const QString &uploadId,
                            Reply<UploadProgress> reply) {
    const auto upload = UploadId::parse(uploadId);
    if (!upload)
        return reply(noSuchUpload());
    withOwnUpload(caller, *upload, [this, upload = *upload, reply](Result<UploadOwner> owner) {
        if (!owner)
            return reply(owner.error());
        // A resuming client asks right after its connection was cut, when what arrived before
        // the cut may still be on its way to the disk: answer once it is there, so the client
        // goes on from the real offset instead of sending a chunk that is refused after most of
        // its body went out. Not longer than kIdleWaitMs: the cut connection may not have been
        // noticed yet; the client then learns the offset from a 409.
        auto answered = std::make_shared<bool>(false);
        auto answer = [this, upload, reply, answered] {
            if (std::exchange(*answered, true))
                return;
            background<media::BlobResult<media::UploadInfo>>(
                [this, upload] { return m_blobs.upload(upload); }, // reads its files
                [reply](media::BlobResult<media::UploadInfo> info) {
                    if (!info)
                        return reply(mediaError(info.error()));
                    reply(UploadProgress{info->offset, info->declaredSize});
                });
        };
        QObject *context = m_context.get();
        if (m_blobs.whenIdle(upload, [context, answer] {
                QMetaObject::invokeMethod(context, answer, Qt::QueuedConnection);
            }))
            return answer();
        QTimer::singleShot(kIdleWaitMs, context, answer);
    });
}

void MediaService::beginChunk(const MediaCaller &caller, const QString &uploadId, quint64 offset,
                              quint64 length, Reply<ChunkGrant> reply) {
    const auto upload = UploadId::parse(uploadId);
    if (!upload)
        return reply(noSuchUpload());
    if (length > m_options.chunkBytes) {
        return reply(
            Error{ErrorCode::TooLarge,
                  QStringLiteral("a chunk holds at most %1 bytes").arg(m_options.chunkBytes)});
    }
    withOwnUpload(
        caller, *upload,
        [this, caller, upload = *upload, offset, length, reply](Result<UploadOwner> owner) {
            if (!owner)
                return reply(owner.error());
            if (offset > owner->declaredSize || length > owner->declaredSize - offset) {
                return reply(
                    Error{ErrorCode::TooLarge,
                          QStringLiteral("%1 bytes at offset %2 exceed the declared size %3")
                              .arg(length)
                              .arg(offset)
                              .arg(owner->declaredSize)});
            }
            if (auto full = checkDisk(length))
                return reply(*full);
            {
                std::lock_guard lock(m_slots->mutex);
                if (m_slots->active.value(caller.userId) >= m_options.concurrentChunks) {
                    return reply(Error{ErrorCode::RateLimited,
                                       QStringLiteral("too many chunks at once"), 1000});
                }
                ++m_slots->active[caller.userId];
            }
            // Released when the chunk is done with (committed, failed or cut off), or refused.
            std::shared_ptr<void> slot(nullptr, [counts = m_slots, user = caller.userId](void *) {
                std::lock_guard lock(counts->mutex);
                if (--counts->active[user] <= 0)
                    counts->active.remove(user);
            });
            // Opening the upload's files (meta, data) is disk work too: on the media pool.
            background<media::BlobResult<media::UploadWriter>>(
                [this, upload, offset] { return m_blobs.beginAppend(upload, offset); },
                [this, reply, slot](media::BlobResult<media::UploadWriter> writer) {
                    if (!writer)
                        return reply(mediaError(writer.error()));
                    reply(ChunkGrant{
                        std::make_unique<media::UploadQueue>(std::move(*writer), &m_io, slot)});
                });
        });
}

void MediaService::finishUpload(const MediaCaller &caller, const QString &uploadId,
                                const QString &sha256Hex, Reply<FinishedUpload> done,
                                std::shared_ptr<const std::atomic_bool> abandoned) {
    const auto upload = UploadId::parse(uploadId);
    if (!upload)
        return done(noSuchUpload());
    const auto blob = BlobId::fromHex(sha256Hex.toLower());
    if (!blob) {
        return done(Error{ErrorCode::BadFrame,
                          QStringLiteral("the SHA-256 must be 64 hexadecimal digits")});
    }
    // Hashing reads the whole upload: a finish cannot be repeated or multiplied to keep the
    // server's disks busy.
    if (m_finishing.contains(upload->text())) {
        return done(Error{ErrorCode::RateLimited,
                          QStringLiteral("this upload is already being finished"), 1000});
    }
    if (m_finishesOfUser.value(caller.userId) >= m_options.concurrentFinishes) {
        return done(Error{ErrorCode::RateLimited,
                          QStringLiteral("too many uploads being finished at once"), 1000});
    }
    m_finishing.insert(upload->text());
    ++m_finishesOfUser[caller.userId];
    Reply<FinishedUpload> reply = [this, id = upload->text(), user = caller.userId,
                                   done](Result<FinishedUpload> r) {
        m_finishing.remove(id);
        if (--m_finishesOfUser[user] <= 0)
            m_finishesOfUser.remove(user);
        done(std::move(r));
    };
    m_store.beginFinish(
        upload->text(), caller.userId, caller.deviceId, blob->hex(), m_clock.nowMs(),
        [this, caller, upload = *upload, blob = *blob, abandoned,
         reply](Result<BeginFinishOutcome> r) {
            if (!r)
                return reply(r.error());
            switch (r->status) {
            case BeginFinishStatus::Ok:
                break;
            case BeginFinishStatus::Revoked:
                m_devices.insert(caller.deviceId, DeviceState{false, m_clock.nowMs()});
                return reply(notAuthenticated("this device was logged out"));
            case BeginFinishStatus::NoSuchUpload:
                return reply(noSuchUpload());
            }
            // A collection deleting this blob's old file goes first: never deduplicate onto a
            // file that is about to vanish.
            if (auto it = m_collecting.find(blob.hex()); it != m_collecting.end()) {
                it->second.push_back([this, caller, upload, blob, abandoned, reply] {
                    hashAndMove(caller, upload, blob, abandoned, reply);
                });
                return;
            }
            hashAndMove(caller, upload, blob, abandoned, reply);
        });
}

void MediaService::hashAndMove(const MediaCaller &caller, const UploadId &upload,
                               const BlobId &blob,
                               std::shared_ptr<const std::atomic_bool> abandoned,
                               Reply<FinishedUpload> reply) {
    using Finished = std::optional<media::BlobResult<media::FinishedBlob>>;
    background<Finished>(
        [this, upload, digest = blob.digest(), abandoned]() -> Finished {
            if (abandoned && abandoned->load())
                return std::nullopt; // nobody waits: the client asks again if it still cares
            return m_blobs.finish(upload, digest);
        },
        [this, caller, upload, blob, reply](Finished finished) {
            if (!finished) {
                return reply(Error{ErrorCode::Timeout,
                                   QStringLiteral("the request went away before its turn")});
            }
            media::BlobResult<media::FinishedBlob> &r = *finished;
            if (r)
                return recordFinished(caller, upload, blob, r->size, reply);
            if (r.error().code == media::BlobErrorCode::NotFound) {
                // The upload was moved into place before, but recording that failed (the
                // database was away): the client retries the finish, and this completes it.
                if (const auto size = m_blobs.blobSize(blob))
                    return recordFinished(caller, upload, blob, *size, reply);
            }
            if (r.error().code == media::BlobErrorCode::HashMismatch) {
                // The blob store dropped its files; the row goes too (no quota held by it).
                qCInfo(lcServerMedia) << "upload" << upload.text() << "does not match its hash";
                m_owners.remove(upload.text());
                const Error mismatch = mediaError(r.error());
                m_store.cancelUpload(upload.text(), caller.userId,
                                     [reply, mismatch](Result<bool>) { reply(mismatch); });
                return;
            }
            reply(mediaError(r.error()));
        },
        &m_hashing);
}

void MediaService::recordFinished(const MediaCaller &caller, const UploadId &upload,
                                  const BlobId &blob, quint64 size, Reply<FinishedUpload> reply) {
    m_store.endFinish(upload.text(), blob.hex(), size, caller.userId, m_clock.nowMs(),
                      [this, upload, blob, size, reply](Status s) {
                          if (!s)
                              return reply(s.error());
                          m_owners.remove(upload.text());
                          reply(FinishedUpload{blob.hex(), size});
                      });
}

void MediaService::cancelUpload(const MediaCaller &caller, const QString &uploadId,
                                StatusReply reply) {
    const auto upload = UploadId::parse(uploadId);
    if (!upload)
        return reply(noSuchUpload());
    withOwnUpload(caller, *upload, [this, caller, upload = *upload, reply](Result<UploadOwner> o) {
        if (!o)
            return reply(o.error());
        // The files first: a row without files is an upload that cannot go on (and expires), a
        // directory without a row would hold disk space nobody is charged for.
        background<media::BlobStatus>(
            [this, upload] { return m_blobs.cancel(upload); },
            [this, caller, upload, reply](media::BlobStatus removed) {
                if (!removed && removed.error().code != media::BlobErrorCode::NotFound)
                    return reply(mediaError(removed.error()));
                m_store.cancelUpload(upload.text(), caller.userId,
                                     [this, upload, reply](Result<bool> gone) {
                                         if (!gone)
                                             return reply(gone.error());
                                         m_owners.remove(upload.text());
                                         if (!*gone)
                                             return reply(noSuchUpload());
                                         reply(Status{});
                                     });
            });
    });
}

void MediaService::openBlob(const MediaCaller &caller, const QString &blobId,
                            Reply<BlobDownload> reply) {
    const auto blob = BlobId::fromHex(blobId);
    if (!blob || m_collecting.count(blob->hex()) > 0)
        return reply(Error{ErrorCode::NoSuchBlob, QStringLiteral("no such blob")});
    // Each download holds a file and a connection's buffers for as long as the peer reads.
    if (m_downloads->value(caller.userId) >= m_options.concurrentDownloads) {
        return reply(
            Error{ErrorCode::RateLimited, QStringLiteral("too many downloads at once"), 1000});
    }
    // Counted from now (the open runs on the media pool); the count is only touched on the
    // event loop: released there with the response (the gateway ties the slot to the exchange)
    // or when the open fails.
    ++(*m_downloads)[caller.userId];
    const auto release = [counts = m_downloads, user = caller.userId] {
        if (--(*counts)[user] <= 0)
            counts->remove(user);
    };
    struct Opened {
        std::unique_ptr<QFile> file;
        quint64 size = 0;
    };
    QThread *loop = m_context->thread();
    background<media::BlobResult<Opened>>(
        [this, blob = *blob, loop]() -> media::BlobResult<Opened> {
            auto file = m_blobs.openBlob(blob);
            if (!file)
                return file.error();
            const auto size = quint64((*file)->size());
            (*file)->moveToThread(loop); // the response reads it from there
            return Opened{std::move(*file), size};
        },
        [reply, release, hex = blob->hex()](media::BlobResult<Opened> opened) {
            if (!opened) {
                release();
                return reply(mediaError(opened.error()));
            }
            std::shared_ptr<void> slot(nullptr, [release](void *) { release(); });
            reply(BlobDownload{hex, opened->size, std::move(opened->file), std::move(slot)});
        });
}

} // namespace tidings::server

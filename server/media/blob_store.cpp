#include "blob_store.h"

#include "blob_store_p.h"
#include "media_logging.h"

#include "crypto/sha256.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QMetaObject>
#include <QObject>
#include <QPointer>
#include <QThreadPool>

#include <algorithm>
#include <cerrno>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tidings::media {

namespace {

constexpr qint64 kHashBuffer = 1024 * 1024;

QByteArray path8(const QString &p) {
    return QFile::encodeName(p);
}

BlobError notFound(const QString &what) {
    return {BlobErrorCode::NotFound, what};
}

std::optional<quint64> parseDeclared(const QByteArray &meta) {
    for (const QByteArray &line : meta.split('\n')) {
        if (line.startsWith("declared=")) {
            bool ok = false;
            const quint64 n = line.mid(9).toULongLong(&ok);
            if (ok)
                return n;
        }
    }
    return std::nullopt;
}

} // namespace

BlobStore::BlobStore(QString dataDir, BlobStoreOptions options)
    : m_root(QDir(dataDir).absoluteFilePath(QStringLiteral("media")))
    , m_options(std::move(options))
    , m_maxBlobSize(m_options.maxBlobSize)
    , m_state(std::make_shared<BlobStoreState>()) {
    m_state->write = m_options.write ? m_options.write : [](int fd, const void *d, size_t n) {
        return ::write(fd, d, n);
    };
}

BlobStore::~BlobStore() = default;

QString BlobStore::blobPath(const BlobId &id) const {
    const QString &h = id.hex();
    return QStringLiteral("%1/blobs/%2/%3/%4").arg(m_root, h.left(2), h.mid(2, 2), h);
}

QString BlobStore::uploadDir(const UploadId &id) const {
    return QStringLiteral("%1/uploads/%2").arg(m_root, id.text());
}

BlobStatus BlobStore::open() {
    for (const char *sub : {"blobs", "uploads"}) {
        if (!fsio::makeDirs(m_root + QLatin1Char('/') + QLatin1String(sub)))
            return fsio::errnoError(errno, QStringLiteral("creating %1").arg(m_root));
    }
    StoreUsage u;
    QDirIterator blobs(m_root + QStringLiteral("/blobs"), QDir::Files,
                       QDirIterator::Subdirectories);
    while (blobs.hasNext()) {
        blobs.next();
        if (BlobId::fromHex(blobs.fileName())) {
            u.blobBytes += quint64(blobs.fileInfo().size());
            ++u.blobCount;
        }
    }
    QDirIterator uploads(m_root + QStringLiteral("/uploads"), QDir::Dirs | QDir::NoDotAndDotDot);
    while (uploads.hasNext()) {
        uploads.next();
        if (UploadId::parse(uploads.fileName())) {
            u.stagingBytes += quint64(QFileInfo(uploads.filePath() + "/data").size());
            ++u.uploadCount;
        }
    }
    std::lock_guard guard(m_state->mutex);
    m_state->blobBytes = u.blobBytes;
    m_state->blobCount = u.blobCount;
    m_state->stagingBytes = u.stagingBytes;
    m_state->uploadCount = u.uploadCount;
    return {};
}

BlobResult<UploadId> BlobStore::createUpload(quint64 declaredSize) {
    if (declaredSize == 0)
        return BlobError{BlobErrorCode::TooLarge, QStringLiteral("an upload cannot be empty")};
    const quint64 limit = m_maxBlobSize;
    if (declaredSize > limit) {
        return BlobError{
            BlobErrorCode::TooLarge,
            QStringLiteral("declared size %1 exceeds the limit %2").arg(declaredSize).arg(limit)};
    }
    const UploadId id = UploadId::generate();
    const QString dir = uploadDir(id);
    if (::mkdir(path8(dir).constData(), 0700) != 0)
        return fsio::errnoError(errno, QStringLiteral("creating an upload"));
    const int fd =
        ::open(path8(dir + "/data").constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        const int err = errno;
        fsio::removeUploadDir(dir);
        return fsio::errnoError(err, QStringLiteral("creating upload data"));
    }
    ::close(fd);
    // The meta file last: an upload directory without it is a failed creation (cleaned up).
    if (!fsio::writeFileAtomically(dir + "/meta",
                                   "declared=" + QByteArray::number(declaredSize) + '\n')) {
        const int err = errno;
        fsio::removeUploadDir(dir);
        return fsio::errnoError(err, QStringLiteral("writing upload metadata"));
    }
    std::lock_guard guard(m_state->mutex);
    ++m_state->uploadCount;
    return id;
}

BlobResult<UploadInfo> BlobStore::readUpload(const UploadId &id) const {
    const QString dir = uploadDir(id);
    QFile meta(dir + "/meta");
    if (!meta.open(QIODevice::ReadOnly))
        return notFound(QStringLiteral("no such upload"));
    const auto declared = parseDeclared(meta.read(256));
    struct stat st {};
    if (!declared || ::stat(path8(dir + "/data").constData(), &st) != 0)
        return BlobError{BlobErrorCode::Io, QStringLiteral("upload state unreadable")};
    UploadInfo info{id, *declared, quint64(st.st_size), {}};
    const qint64 activity =
        std::max<qint64>(st.st_mtime, QFileInfo(meta).lastModified().toSecsSinceEpoch());
    info.lastActivity = QDateTime::fromSecsSinceEpoch(activity, Qt::UTC);
    return info;
}

BlobResult<UploadInfo> BlobStore::upload(const UploadId &id) const {
    return readUpload(id);
}

bool BlobStore::whenIdle(const UploadId &id, std::function<void()> ready) {
    std::lock_guard guard(m_state->mutex);
    if (!m_state->busy.contains(id.text()))
        return true;
    m_state->idleWaiters[id.text()].push_back(std::move(ready));
    return false;
}

void BlobStore::dropIdleWaiters() {
    std::lock_guard guard(m_state->mutex);
    m_state->idleWaiters.clear();
}

BlobResult<UploadWriter> BlobStore::beginAppend(const UploadId &id, quint64 offset) {
    if (!m_state->lock(id.text()))
        return BlobError{BlobErrorCode::Busy, QStringLiteral("the upload is busy")};
    auto info = readUpload(id);
    if (!info) {
        m_state->unlock(id.text());
        return info.error();
    }
    if (offset != info->offset) {
        m_state->unlock(id.text());
        return BlobError{BlobErrorCode::OffsetMismatch,
                         QStringLiteral("expected offset %1, got %2").arg(info->offset).arg(offset),
                         info->offset};
    }
    const int fd =
        ::open(path8(uploadDir(id) + "/data").constData(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        m_state->unlock(id.text());
        return fsio::errnoError(err, QStringLiteral("opening upload data"));
    }
    return UploadWriter(m_state, id, fd, info->offset, info->declaredSize);
}

BlobResult<quint64> BlobStore::append(const UploadId &id, quint64 offset, QByteArrayView data) {
    auto writer = beginAppend(id, offset);
    if (!writer)
        return writer.error();
    if (const BlobStatus s = writer->write(data); !s)
        return s.error();
    return writer->commit();
}

BlobResult<FinishedBlob> BlobStore::finish(const UploadId &id, const QByteArray &expectedSha256) {
    const auto expected = BlobId::fromDigest(expectedSha256);
    if (!expected)
        return BlobError{BlobErrorCode::InvalidId, QStringLiteral("a SHA-256 has 32 bytes")};
    if (!m_state->lock(id.text()))
        return BlobError{BlobErrorCode::Busy, QStringLiteral("the upload is busy")};
    const auto unlock = qScopeGuard([&] { m_state->unlock(id.text()); });
    const auto info = readUpload(id);
    if (!info)
        return info.error();
    if (info->offset != info->declaredSize) {
        return BlobError{
            BlobErrorCode::Incomplete,
            QStringLiteral("%1 of %2 bytes received").arg(info->offset).arg(info->declaredSize),
            info->offset};
    }
    const QString dir = uploadDir(id);
    const QString data = dir + "/data";
    const int fd = ::open(path8(data).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fsio::errnoError(errno, QStringLiteral("opening upload data"));
    // The appends' running hash when it covers the whole file; else (a restart, a failed
    // write) the file is read and hashed.
    const std::shared_ptr<RunningHash> running = m_state->takeHash(id.text(), info->offset);
    crypto::Sha256 reread;
    crypto::Sha256 &hash = running ? running->sha : reread;
    QByteArray buffer(running ? 0 : kHashBuffer, Qt::Uninitialized);
    while (!running) {
        const ssize_t n = ::read(fd, buffer.data(), size_t(buffer.size()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            return fsio::errnoError(err, QStringLiteral("reading upload data"));
        }
        if (n == 0)
            break;
        hash.update(buffer.constData(), std::size_t(n));
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    const QByteArray digest = hash.final();
    if (digest != expectedSha256) {
        // The upload is dropped: finishing it again would hash all of it again for the same
        // answer (a client re-encrypts and uploads anew after a mismatch).
        if (fsio::removeUploadDir(dir)) {
            std::lock_guard guard(m_state->mutex);
            m_state->stagingBytes -= std::min(m_state->stagingBytes, info->offset);
            m_state->uploadCount -= std::min<quint64>(m_state->uploadCount, 1);
        } else {
            qCWarning(lcServerMedia)
                << "upload with a wrong hash left its folder behind:" << id.text();
        }
        return BlobError{
            BlobErrorCode::HashMismatch,
            QStringLiteral("the upload hashes to %1").arg(QString::fromLatin1(digest.toHex()))};
    }
    if (!synced)
        return fsio::errnoError(errno, QStringLiteral("syncing upload data"));

    const QString target = blobPath(*expected);
    const bool exists = QFileInfo::exists(target);
    if (!exists) {
        const QString shard = QFileInfo(target).absolutePath();
        if (!fsio::makeDirs(shard))
            return fsio::errnoError(errno, QStringLiteral("creating a blob folder"));
        if (::rename(path8(data).constData(), path8(target).constData()) != 0)
            return fsio::errnoError(errno, QStringLiteral("moving the blob into place"));
        if (!fsio::syncDir(shard))
            return fsio::errnoError(errno, QStringLiteral("syncing the blob folder"));
    }
    if (!fsio::removeUploadDir(dir))
        qCWarning(lcServerMedia) << "finished upload left its folder behind:" << id.text();
    {
        std::lock_guard guard(m_state->mutex);
        m_state->stagingBytes -= std::min(m_state->stagingBytes, info->offset);
        m_state->uploadCount -= std::min<quint64>(m_state->uploadCount, 1);
        if (!exists) {
            m_state->blobBytes += info->offset;
            ++m_state->blobCount;
        }
    }
    qCDebug(lcServerMedia) << "blob stored" << expected->hex() << info->offset << "bytes"
                           << (exists ? "(deduplicated)" : "");
    return FinishedBlob{*expected, info->offset, exists};
}

void BlobStore::finishInBackground(const UploadId &id, const QByteArray &expectedSha256,
                                   QObject *context,
                                   std::function<void(BlobResult<FinishedBlob>)> done,
                                   QThreadPool *pool) {
    QPointer<QObject> guard(context);
    (pool ? pool : QThreadPool::globalInstance())->start([this, id, expectedSha256, guard, done] {
        auto result = std::make_shared<BlobResult<FinishedBlob>>(finish(id, expectedSha256));
        if (guard) {
            QMetaObject::invokeMethod(
                guard, [done, result] { done(std::move(*result)); }, Qt::QueuedConnection);
        }
    });
}

BlobStatus BlobStore::cancel(const UploadId &id) {
    if (!m_state->lock(id.text()))
        return BlobError{BlobErrorCode::Busy, QStringLiteral("the upload is busy")};
    const auto unlock = qScopeGuard([&] { m_state->unlock(id.text()); });
    const auto info = readUpload(id);
    if (!info)
        return info.error();
    if (!fsio::removeUploadDir(uploadDir(id)))
        return fsio::errnoError(errno, QStringLiteral("removing an upload"));
    std::lock_guard guard(m_state->mutex);
    m_state->hashes.remove(id.text());
    m_state->stagingBytes -= std::min(m_state->stagingBytes, info->offset);
    m_state->uploadCount -= std::min<quint64>(m_state->uploadCount, 1);
    return {};
}

BlobResult<quint64> BlobStore::blobSize(const BlobId &id) const {
    struct stat st {};
    if (::stat(path8(blobPath(id)).constData(), &st) != 0)
        return notFound(QStringLiteral("no such blob"));
    return quint64(st.st_size);
}

BlobResult<std::unique_ptr<QFile>> BlobStore::openBlob(const BlobId &id) const {
    auto file = std::make_unique<QFile>(blobPath(id));
    if (!file->open(QIODevice::ReadOnly))
        return notFound(QStringLiteral("no such blob"));
    return file;
}

BlobStatus BlobStore::removeBlob(const BlobId &id) {
    const QString path = blobPath(id);
    struct stat st {};
    if (::stat(path8(path).constData(), &st) != 0)
        return notFound(QStringLiteral("no such blob"));
    if (::unlink(path8(path).constData()) != 0)
        return fsio::errnoError(errno, QStringLiteral("removing a blob"));
    fsio::syncDir(QFileInfo(path).absolutePath());
    std::lock_guard guard(m_state->mutex);
    m_state->blobBytes -= std::min(m_state->blobBytes, quint64(st.st_size));
    m_state->blobCount -= std::min<quint64>(m_state->blobCount, 1);
    return {};
}

QList<UploadInfo> BlobStore::staleUploads(std::chrono::seconds maxAge, const QDateTime &now) const {
    QList<UploadInfo> out;
    const QDateTime cutoff = now.addSecs(-maxAge.count());
    QDirIterator it(m_root + QStringLiteral("/uploads"), QDir::Dirs | QDir::NoDotAndDotDot);
    while (it.hasNext()) {
        it.next();
        const auto id = UploadId::parse(it.fileName());
        if (!id)
            continue; // not ours: never touched
        auto info = readUpload(*id);
        if (!info) {
            // A creation cut short (no meta yet): its age is the folder's.
            info = UploadInfo{*id, 0, 0, it.fileInfo().lastModified().toUTC()};
        }
        if (info->lastActivity < cutoff)
            out.append(*info);
    }
    std::sort(out.begin(), out.end(), [](const UploadInfo &a, const UploadInfo &b) {
        return a.lastActivity < b.lastActivity;
    });
    return out;
}

int BlobStore::removeStaleUploads(std::chrono::seconds maxAge, const QDateTime &now) {
    int removed = 0;
    for (const UploadInfo &u : staleUploads(maxAge, now)) {
        if (!m_state->lock(u.id.text()))
            continue;
        if (fsio::removeUploadDir(uploadDir(u.id))) {
            ++removed;
            std::lock_guard guard(m_state->mutex);
            m_state->stagingBytes -= std::min(m_state->stagingBytes, u.offset);
            m_state->uploadCount -= std::min<quint64>(m_state->uploadCount, 1);
        }
        m_state->unlock(u.id.text());
    }
    if (removed > 0)
        qCInfo(lcServerMedia) << "removed" << removed << "stale uploads";
    return removed;
}

StoreUsage BlobStore::usage() const {
    std::lock_guard guard(m_state->mutex);
    return {m_state->blobBytes, m_state->blobCount, m_state->stagingBytes, m_state->uploadCount};
}

} // namespace tidings::media

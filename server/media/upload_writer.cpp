// UploadWriter and the POSIX helpers of the blob store.
#include "blob_store.h"
#include "blob_store_p.h"
#include "media_logging.h"

#include <QDir>
#include <QFile>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tidings::media {

namespace {

// fdatasync where the system declares it; macOS does not (fsync there, which like fdatasync on
// Linux does not force the drive's own cache: F_FULLFSYNC would).
int syncData(int fd) {
#if defined(__APPLE__)
    return ::fsync(fd);
#else
    return ::fdatasync(fd);
#endif
}

} // namespace

bool BlobStoreState::lock(const QString &id) {
    std::lock_guard guard(mutex);
    if (busy.contains(id))
        return false;
    busy.insert(id);
    return true;
}

void BlobStoreState::unlock(const QString &id) {
    std::vector<std::function<void()>> waiters;
    {
        std::lock_guard guard(mutex);
        busy.remove(id);
        waiters = idleWaiters.take(id);
    }
    for (const auto &ready : waiters)
        ready();
}

std::shared_ptr<RunningHash> BlobStoreState::takeHash(const QString &id, quint64 offset) {
    std::lock_guard guard(mutex);
    std::shared_ptr<RunningHash> hash = hashes.take(id);
    if (!hash && offset == 0)
        hash = std::make_shared<RunningHash>();
    return hash && hash->offset == offset ? hash : nullptr;
}

void BlobStoreState::putHash(const QString &id, std::shared_ptr<RunningHash> hash) {
    if (!hash)
        return;
    std::lock_guard guard(mutex);
    hashes.insert(id, std::move(hash));
}

namespace fsio {

BlobError errnoError(int err, const QString &what) {
    const BlobErrorCode code =
        (err == ENOSPC || err == EDQUOT) ? BlobErrorCode::NoSpace : BlobErrorCode::Io;
    return {code, QStringLiteral("%1: %2").arg(what, QString::fromLocal8Bit(std::strerror(err)))};
}

bool syncDir(const QString &dir) {
    const int fd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

bool makeDirs(const QString &dir) {
    if (QFileInfo::exists(dir))
        return true;
    const QString parent = QFileInfo(dir).absolutePath();
    if (parent != dir && !makeDirs(parent))
        return false;
    if (::mkdir(QFile::encodeName(dir).constData(), 0700) != 0 && errno != EEXIST)
        return false;
    return syncDir(parent);
}

bool writeFileAtomically(const QString &path, const QByteArray &content) {
    const QString tmp = path + QStringLiteral(".tmp");
    const int fd =
        ::open(QFile::encodeName(tmp).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    const bool written =
        ::write(fd, content.constData(), size_t(content.size())) == ssize_t(content.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written ||
        ::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(path).constData()) != 0) {
        ::unlink(QFile::encodeName(tmp).constData());
        return false;
    }
    return syncDir(QFileInfo(path).absolutePath());
}

bool removeUploadDir(const QString &dir) {
    // Only the names the store itself creates; a stray file makes rmdir fail visibly.
    for (const char *name : {"data", "meta", "meta.tmp"})
        ::unlink(QFile::encodeName(dir + QLatin1Char('/') + QLatin1String(name)).constData());
    if (::rmdir(QFile::encodeName(dir).constData()) != 0 && errno != ENOENT)
        return false;
    return syncDir(QFileInfo(dir).absolutePath());
}

} // namespace fsio

UploadWriter::UploadWriter(std::shared_ptr<BlobStoreState> state, UploadId id, int fd,
                           quint64 offset, quint64 declaredSize)
    : m_state(std::move(state))
    , m_id(std::move(id))
    , m_fd(fd)
    , m_offset(offset)
    , m_declaredSize(declaredSize)
    , m_hash(m_state->takeHash(m_id.text(), offset)) {}

UploadWriter::UploadWriter(UploadWriter &&other) noexcept
    : m_state(std::move(other.m_state))
    , m_id(other.m_id)
    , m_fd(std::exchange(other.m_fd, -1))
    , m_offset(other.m_offset)
    , m_declaredSize(other.m_declaredSize)
    , m_hash(std::move(other.m_hash)) {}

UploadWriter::~UploadWriter() {
    if (m_fd < 0)
        return;
    ::close(m_fd);
    // Every byte written is in the file at its offset (a failed piece was cut off again), so
    // the hash still describes the file, whether or not this append was committed.
    m_state->putHash(m_id.text(), std::move(m_hash));
    m_state->unlock(m_id.text());
}

BlobStatus UploadWriter::write(QByteArrayView data) {
    if (m_fd < 0)
        return BlobError{BlobErrorCode::Io, QStringLiteral("upload writer already closed")};
    if (quint64(data.size()) > m_declaredSize - m_offset) {
        return BlobError{BlobErrorCode::TooLarge,
                         QStringLiteral("%1 bytes at offset %2 exceed the declared size %3")
                             .arg(data.size())
                             .arg(m_offset)
                             .arg(m_declaredSize),
                         m_offset};
    }
    const char *p = data.data();
    size_t left = size_t(data.size());
    while (left > 0) {
        const ssize_t n = m_state->write(m_fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : ENOSPC;
            // Cut the partial piece off: the file ends where the last whole piece ended.
            if (::ftruncate(m_fd, off_t(m_offset)) != 0)
                qCWarning(lcServerMedia) << "cannot cut a partial piece off upload" << m_id.text();
            syncData(m_fd);
            std::lock_guard guard(m_state->mutex);
            m_state->stagingBytes -= quint64(data.size()) - left;
            return fsio::errnoError(err, QStringLiteral("writing upload data"));
        }
        p += n;
        left -= size_t(n);
        std::lock_guard guard(m_state->mutex);
        m_state->stagingBytes += quint64(n);
    }
    m_offset += quint64(data.size());
    if (m_hash) {
        m_hash->sha.update(data.data(), std::size_t(data.size()));
        m_hash->offset = m_offset;
    }
    return {};
}

BlobResult<quint64> UploadWriter::commit() {
    if (m_fd < 0)
        return BlobError{BlobErrorCode::Io, QStringLiteral("upload writer already closed")};
    if (syncData(m_fd) != 0)
        return fsio::errnoError(errno, QStringLiteral("syncing upload data"));
    return m_offset;
}

} // namespace tidings::media

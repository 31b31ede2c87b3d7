#pragma once
// State shared by BlobStore and its UploadWriters (a writer may outlive a store call), plus the
// POSIX helpers both use.
#include "blob_error.h"

#include "crypto/sha256.h"

#include <QHash>
#include <QSet>
#include <QString>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <sys/types.h>

namespace tidings::media {

//! The SHA-256 of an upload's first `offset` bytes, kept up to date by its appends so that
//! finish() need not read the whole file again (1 GB: ~0.7 s of hashing and the reads). Only
//! in memory: after a restart (or a failed write) finish() hashes the file as before.
struct RunningHash {
    quint64 offset = 0;
    crypto::Sha256 sha;
};

struct BlobStoreState {
    std::mutex mutex;
    QSet<QString> busy; //!< upload ids with an append or finish running
    //! By upload id: what runs when it is no longer busy (BlobStore::whenIdle).
    QHash<QString, std::vector<std::function<void()>>> idleWaiters;
    //! By upload id; an entry is taken out by whoever holds the upload's lock.
    QHash<QString, std::shared_ptr<RunningHash>> hashes;
    quint64 blobBytes = 0;
    quint64 blobCount = 0;
    quint64 stagingBytes = 0;
    quint64 uploadCount = 0;
    std::function<ssize_t(int, const void *, size_t)> write;

    //! Takes the upload's lock; false when someone else holds it.
    bool lock(const QString &id);
    //! Releases it and runs its idle waiters (outside the mutex, on the calling thread).
    void unlock(const QString &id);
    //! The upload's running hash if it covers exactly `offset` bytes (a new one at 0), else
    //! null; either way the entry leaves the map until putHash().
    std::shared_ptr<RunningHash> takeHash(const QString &id, quint64 offset);
    void putHash(const QString &id, std::shared_ptr<RunningHash> hash);
};

namespace fsio {

//! errno → typed error (ENOSPC and EDQUOT are NoSpace).
BlobError errnoError(int err, const QString &what);
//! fsync of a directory, so a rename or unlink in it is durable.
bool syncDir(const QString &dir);
//! mkdir -p, syncing each parent in which a directory was created.
bool makeDirs(const QString &dir);
//! Writes a small file atomically: temp file, fsync, rename, fsync the directory.
bool writeFileAtomically(const QString &path, const QByteArray &content);
//! Removes an upload's directory (its data, meta and temp files) and syncs the parent.
bool removeUploadDir(const QString &dir);

} // namespace fsio

} // namespace tidings::media

#pragma once
// State shared by BlobStore and its UploadWriters (a writer may outlive a store call), plus the
// POSIX helpers both use.
#include "blob_error.h"

#include <QSet>
#include <QString>

#include <functional>
#include <mutex>

#include <sys/types.h>

namespace tidings::media {

struct BlobStoreState {
    std::mutex mutex;
    QSet<QString> busy; //!< upload ids with an append or finish running
    quint64 blobBytes = 0;
    quint64 blobCount = 0;
    quint64 stagingBytes = 0;
    quint64 uploadCount = 0;
    std::function<ssize_t(int, const void *, size_t)> write;

    //! Takes the upload's lock; false when someone else holds it.
    bool lock(const QString &id);
    void unlock(const QString &id);
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

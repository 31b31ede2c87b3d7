// Media: my message whose blobs the server no longer holds when it is sent. An upload that
// finished long before its message could go out (a laptop asleep past the server's day of grace,
// an outbox that waited for a connection) may have been collected as unreferenced; the server
// then refuses the send with NO_SUCH_BLOB and stores nothing. The encrypted blobs and the upload
// jobs stay until the server stored the message, so the same ciphertext is uploaded anew (the
// same key and hash: the pointer and the payload do not change). A blob that is gone here too is
// encrypted again from the local copy (a new key: the server never stored the message, so its
// payload may still change), or from the file the user chose. At most kMaxReuploads rounds per
// message: then it fails like any refused send, with words on its attachment, and retry()
// starts over.
#include "core/logging.h"
#include "core/media/media.h"
#include "core/media/transfer_runner.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "core/store/transfer_store.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>

namespace tidings::client {

namespace {

using Transfer = AttachmentRecord::Transfer;

//! Uploads again of one message (each after a NO_SUCH_BLOB) before it fails for good.
constexpr int kMaxReuploads = 2;

bool isFile(const QString &path) {
    return !path.isEmpty() && QFileInfo(path).isFile();
}

} // namespace

void Media::onMessageStored(const QString &clientMessageId) {
    auto atts = m_store->transfers().attachmentsByClientId(clientMessageId);
    if (!atts || atts->isEmpty() || !atts->first().outgoing)
        return; // not a message of mine with files
    dropUploadJobs(atts->first().messageRowId);
}

void Media::dropUploadJobs(qint64 messageRowId) {
    auto atts = m_store->transfers().attachmentsOf(messageRowId);
    if (!atts)
        return;
    for (const StoredAttachment &a : *atts) {
        auto job = m_store->transfers().job(messageRowId, a.index);
        if (!job || !job->has_value() || !(*job)->upload)
            continue;
        const Key key{messageRowId, a.index};
        if (m_runners.contains(key) || m_queue.contains(key)) {
            // Stored meanwhile (a resend of what the server had stored before): nothing to do.
            stopTransfer(key);
            setState(key, Transfer::Done, a.record.size);
        }
        if (!(*job)->tempPath.isEmpty())
            QFile::remove((*job)->tempPath);
        if (auto s = m_store->transfers().removeJob(messageRowId, a.index); !s)
            qCWarning(lcMedia) << "upload job not removed:" << s.error().toString();
    }
}

bool Media::takeBack(const QString &clientMessageId) {
    auto all = m_store->transfers().attachmentsByClientId(clientMessageId);
    if (!all || all->isEmpty() || !all->first().outgoing || all->first().seq != 0)
        return false;
    const qint64 row = all->first().messageRowId;
    QList<StoredAttachment> atts;
    for (const StoredAttachment &a : *all) {
        if (a.messageRowId == row)
            atts.append(a);
    }
    // Where each file is uploaded from again: the encrypted blob kept since its upload, else the
    // local copy, else the file the user chose.
    QList<TransferJob> jobs;
    int rounds = 0;
    bool possible = true;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const StoredAttachment &a : std::as_const(atts)) {
        auto stored = m_store->transfers().job(row, a.index);
        TransferJob j;
        if (stored && stored->has_value() && (*stored)->upload) {
            j = **stored;
        } else {
            // A forward, or a message released before the jobs were kept: no blob here.
            j.messageRowId = row;
            j.index = a.index;
            j.upload = true;
            j.createdAtMs = now;
        }
        rounds = std::max(rounds, j.reuploads);
        j.uploadId.clear();
        j.attempts = 0;
        if (!a.valid) {
            possible = false;
        } else if (isFile(j.tempPath) && a.pointer.key.size() == 32 &&
                   quint64(QFileInfo(j.tempPath).size()) == a.pointer.ciphertextSize) {
            j.stage = TransferJob::Stage::Upload;
        } else if (isFile(a.record.localPath)) {
            // UploadRunner encrypts the profile's copy as it is (no second copy).
            j.sourcePath = a.record.localPath;
            j.stage = TransferJob::Stage::Prepare;
        } else if (isFile(j.sourcePath)) {
            j.stage = TransferJob::Stage::Prepare;
        } else {
            possible = false;
        }
        jobs.append(j);
    }
    const bool again = possible && rounds < kMaxReuploads;
    // The pointers lose their blob ids: the message waits for its uploads (now, or a retry's
    // after the last round). With nothing to upload from, everything stays as it was.
    const Status s = !possible ? Status{} : m_store->transaction([&]() -> Status {
        if (again) {
            if (auto st = m_store->messages().holdAgain(clientMessageId); !st)
                return st;
        }
        for (qsizetype i = 0; i < atts.size(); ++i) {
            TransferJob j = jobs.at(i);
            j.reuploads = again ? rounds + 1 : 0;
            media::AttachmentDescriptor pointer = atts.at(i).pointer;
            pointer.blobId.clear();
            if (auto st = m_store->transfers().setPointer(row, j.index, pointer); !st)
                return st;
            if (auto st = m_store->transfers().putJob(j); !st)
                return st;
            if (again) {
                if (auto st = m_store->transfers().setState(row, j.index, Transfer::Queued, 0); !st)
                    return st;
            }
        }
        return {};
    });
    if (!s) {
        qCWarning(lcMedia) << "message not taken back for another upload:" << s.error().toString();
        return false;
    }
    if (!again) {
        qCWarning(lcMedia) << "files of message row" << row << "gone from the server"
                           << (possible ? "again" : "and from this device") << "; it failed";
        const Error why =
            possible ? Error{ErrorCode::NoSuchBlob,
                             QStringLiteral("the server lost the files of this message")}
                     : Error{ErrorCode::Usage, QStringLiteral("The file is no longer on the "
                                                              "server nor on this device.")};
        for (const StoredAttachment &a : std::as_const(atts))
            setFailed({row, a.index}, why, true);
        return false;
    }
    qCInfo(lcMedia) << "files of message row" << row << "gone from the server; uploading again"
                    << "(round" << rounds + 1 << "of" << kMaxReuploads << ")";
    for (const StoredAttachment &a : std::as_const(atts)) {
        const Key key{row, a.index};
        if (!m_queue.contains(key) && !m_runners.contains(key))
            m_queue.append(key);
        notify(key, true);
    }
    schedule();
    return true;
}

} // namespace tidings::client

// DownloadRunner: ranged, resumable fetch of the ciphertext, then verify + decrypt off-thread.
#include "core/logging.h"
#include "core/media/transfer_runner.h"
#include "core/store/storage.h"

#include <QFile>
#include <QFileInfo>

#include <memory>

namespace tidings::client {

void DownloadRunner::start() {
    auto att = m_env.store->transfers().attachment(m_job.messageRowId, m_job.index);
    if (!att || !att->has_value() || !(*att)->valid) {
        fail(att ? Error{ErrorCode::BadFrame, QStringLiteral("nothing to download")} : att.error());
        return;
    }
    m_pointer = (*att)->pointer;
    if (m_job.tempPath.isEmpty() || !m_env.files->owns(m_job.tempPath)) {
        m_job.tempPath = m_env.files->newTempPath(QStringLiteral(".part"));
        if (auto s = saveJob(); !s) {
            fail(s.error());
            return;
        }
    }
    emit running();
    if (m_job.stage == TransferJob::Stage::Decrypt)
        decrypt();
    else
        fetch();
}

void DownloadRunner::discardPart() {
    QFile::remove(m_job.tempPath);
    m_job.stage = TransferJob::Stage::Fetch;
    if (auto s = saveJob(); !s)
        qCWarning(lcMedia) << "download job not saved:" << s.error().toString();
}

void DownloadRunner::fetch() {
    auto file = std::make_shared<QFile>(m_job.tempPath);
    if (!file->open(QIODevice::ReadWrite)) {
        fail(Error{ErrorCode::Storage, QStringLiteral("cannot write the download")});
        return;
    }
    quint64 have = quint64(file->size());
    if (have > m_pointer.ciphertextSize) {
        file->resize(0);
        have = 0;
    }
    m_transferred = have;
    emit progressed();
    if (have == m_pointer.ciphertextSize) {
        file->close();
        decrypt();
        return;
    }
    file->seek(qint64(have));
    m_env.tokens->get([this, file, have](Result<MediaToken> token) {
        if (stopped())
            return;
        if (!token) {
            noToken(token.error(), [this] { fetch(); });
            return;
        }
        track(m_env.http->fetchBlob(
            token->token, m_pointer.blobId, have, m_pointer.ciphertextSize, file.get(),
            [this](quint64 bytes) {
                m_transferred = bytes;
                if (bytes > 0)
                    m_backoff.reset();
                emit progressed();
            },
            [this, file, have](MediaAnswer a) {
                file->flush();
                const quint64 size = quint64(file->size());
                file->close();
                if (stopped())
                    return;
                if (a.ok()) {
                    m_retriedAuth = false;
                    if (size == m_pointer.ciphertextSize) {
                        decrypt();
                    } else if (size > have) {
                        // The body ended early but brought bytes: a connection cut can look like
                        // a clean end (the peer closed, Qt saw no error). Resume from here; a
                        // blob that really is shorter answers the next range with 416.
                        retryLater(
                            Error{ErrorCode::Network, QStringLiteral("the download was cut short")},
                            [this] { fetch(); });
                    } else {
                        // Nothing new arrived: the blob the server holds is shorter than the one
                        // that was sent.
                        discardPart();
                        fail(Error{ErrorCode::BadFrame, QStringLiteral("the file is incomplete")});
                    }
                    return;
                }
                const Error &e = *a.error;
                if (a.status == 416) {
                    discardPart(); // the blob ends before the bytes already here: truncated
                    fail(Error{ErrorCode::BadFrame, QStringLiteral("the file is incomplete")});
                    return;
                }
                switch (e.code) {
                case ErrorCode::NotAuthenticated:
                    m_env.tokens->invalidate();
                    if (!m_retriedAuth) {
                        m_retriedAuth = true;
                        fetch();
                    } else {
                        retryLater(e, [this] { fetch(); });
                    }
                    return;
                case ErrorCode::Network:
                case ErrorCode::Timeout:
                case ErrorCode::Internal:
                case ErrorCode::RateLimited:
                    retryLater(e, [this] { fetch(); }); // resumes from the bytes on disk
                    return;
                case ErrorCode::BadFrame:
                    discardPart(); // longer than announced: altered
                    fail(e);
                    return;
                default:
                    fail(e); // gone from the server, refused, cannot write here
                    return;
                }
            }));
    });
}

void DownloadRunner::decrypt() {
    if (m_job.stage != TransferJob::Stage::Decrypt) {
        m_job.stage = TransferJob::Stage::Decrypt;
        if (auto s = saveJob(); !s) {
            fail(s.error());
            return;
        }
    }
    const QString part = m_job.tempPath;
    const QString scratch = m_env.files->newTempPath(QStringLiteral(".plain"));
    const QString finalPath = m_env.files->newFilePath(m_pointer.fileName);
    const media::AttachmentDescriptor pointer = m_pointer;
    const CancelFlag cancel = m_cancel;
    inPool<Status>(
        [part, pointer, scratch, finalPath, cancel] {
            return decryptDownload(part, pointer, scratch, finalPath, cancel);
        },
        [this, finalPath](Status s) {
            if (!s) {
                // Nothing partial stays: neither the plaintext nor the bad ciphertext (a retry
                // fetches it again, in case the damage happened on this disk).
                m_env.files->remove(finalPath);
                discardPart();
                fail(s.error().code == ErrorCode::Storage || s.error().code == ErrorCode::Usage
                         ? s.error()
                         : Error{s.error().code == ErrorCode::HashMismatch ? ErrorCode::HashMismatch
                                                                           : ErrorCode::BadFrame,
                                 s.error().detail});
                return;
            }
            QFile::remove(m_job.tempPath);
            m_localPath = finalPath;
            m_localSize = quint64(QFileInfo(finalPath).size());
            m_transferred = m_pointer.ciphertextSize;
            succeed();
        });
}

} // namespace tidings::client

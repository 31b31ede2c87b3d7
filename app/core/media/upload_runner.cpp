// UploadRunner: prepare and encrypt, then the server's resumable upload protocol.
#include "core/logging.h"
#include "core/media/audio_probe.h"
#include "core/media/transfer_runner.h"
#include "core/media/video_probe.h"
#include "core/store/database.h"
#include "core/store/storage.h"
#include "crypto/media_stream.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>

namespace tidings::client {

namespace {
//! A hash mismatch at finish means the blob on disk or the bytes on the way were damaged: the
//! file is encrypted and uploaded again this many times before the upload fails.
constexpr int kMaxHashFailures = 2;
//! 409s in a row whose offset did not move the upload on (the server named the offset this
//! client had just sent, or no more than its last 409 did): each waits with backoff, and past
//! this many the upload fails instead of looping against a broken server.
constexpr int kMaxStuckConflicts = 4;
} // namespace

void UploadRunner::start() {
    auto att = m_env.store->transfers().attachment(m_job.messageRowId, m_job.index);
    if (!att || !att->has_value()) {
        fail(att ? Error{ErrorCode::Storage, QStringLiteral("the attachment is gone")}
                 : att.error());
        return;
    }
    m_pointer = (*att)->pointer;
    m_localPath = (*att)->record.localPath;
    emit running();
    switch (m_job.stage) {
    case TransferJob::Stage::Prepare:
        prepare();
        return;
    case TransferJob::Stage::Upload:
        upload();
        return;
    case TransferJob::Stage::Finish:
        finish();
        return;
    default:
        succeed(); // Send: only the message is left, which Media does
        return;
    }
}

void UploadRunner::prepare() {
    if (!m_job.tempPath.isEmpty())
        QFile::remove(m_job.tempPath);
    m_job.tempPath = m_env.files->newTempPath(QStringLiteral(".blob"));
    // An upload of an earlier preparation (a restart while streaming, a hash mismatch) holds
    // bytes under another key: it can never be finished.
    if (!m_job.uploadId.isEmpty())
        discardUpload(std::exchange(m_job.uploadId, QString()));
    m_offset = 0;
    m_finishWhenPrepared = false;
    if (auto s = saveJob(); !s) {
        fail(s.error());
        return;
    }
    PrepareInput in;
    in.sourcePath = m_job.sourcePath;
    in.fileName = m_pointer.fileName;
    in.mimeType = m_pointer.mimeType;
    in.kind = m_pointer.kind;
    in.asFile = m_job.asFile;
    in.blobPath = m_job.tempPath;
    // Encrypting again what was prepared before (its blob was lost): the profile's copy is
    // what was sent, as it is.
    in.sourceIsLocalCopy =
        !m_localPath.isEmpty() && QFileInfo(m_job.sourcePath) == QFileInfo(m_localPath);
    // A photo is re-encoded first (its size is known only then, and it is small): everything
    // else is encrypted as it is, so the blob's size is known now and the upload can go while
    // the encryption runs.
    const bool reencoded =
        in.kind == media::AttachmentKind::Image && !in.asFile && !in.sourceIsLocalCopy;
    const QFileInfo source(in.sourcePath);
    m_streaming.reset();
    if (!reencoded && source.isFile() && source.size() > 0) {
        m_streaming = std::make_shared<BlobProgress>(m_env.blobWritten);
        in.progress = m_streaming;
        in.expectedPlaintextSize = quint64(source.size());
        m_pointer.plaintextSize = in.expectedPlaintextSize;
        m_pointer.ciphertextSize = crypto::mediaBlobSize(in.expectedPlaintextSize);
    }
    const MediaFiles files = *m_env.files;
    const CancelFlag cancel = m_cancel;
    inPool<Result<PreparedUpload>>(
        [in, files, cancel] {
            auto r = prepareUpload(in, files, cancel);
            if (in.progress)
                in.progress->end();
            return r;
        },
        [this](Result<PreparedUpload> r) {
            if (!r) {
                fail(r.error());
                return;
            }
            media::AttachmentDescriptor &p = m_pointer;
            p.fileName = r->fileName;
            p.mimeType = r->mimeType;
            p.kind = r->kind;
            if (r->size.isValid() && !r->size.isEmpty()) {
                p.width = r->size.width();
                p.height = r->size.height();
            }
            if (!r->thumbnail.isEmpty())
                p.thumbnail = r->thumbnail;
            const PreparedUpload prepared = *r;
            probe(prepared.localPath, [this, prepared] { store(prepared); });
        });
    if (m_streaming)
        upload();
}

void UploadRunner::discardUpload(const QString &uploadId) {
    m_env.tokens->get([http = QPointer<MediaHttp>(m_env.http), uploadId](Result<MediaToken> t) {
        if (t && http)
            http->cancelUpload(t->token, uploadId, [](MediaAnswer) {});
    });
}

void UploadRunner::probe(const QString &localPath, std::function<void()> then) {
    // Videos get their poster (the blurred preview), size and duration, audio files their
    // duration and waveform, unless the sender gave them (the voice recorder does). A file the
    // probes cannot read is still sent, as it is.
    media::AttachmentDescriptor &p = m_pointer;
    const bool video = p.kind == media::AttachmentKind::Video && p.thumbnail.isEmpty();
    const bool audio =
        (p.kind == media::AttachmentKind::Audio || p.kind == media::AttachmentKind::Voice) &&
        (p.waveform.isEmpty() || p.durationMs == 0);
    if (video) {
        auto *v = new media::VideoProbe({}, this);
        connect(v, &media::VideoProbe::finished, this,
                [this, v, then](const media::VideoInfo &info) {
                    v->deleteLater();
                    m_pointer.width = info.size.width();
                    m_pointer.height = info.size.height();
                    m_pointer.durationMs = info.durationMs;
                    m_pointer.thumbnail = info.thumbnail;
                    then();
                });
        connect(v, &media::VideoProbe::failed, this, [v, then](const media::MediaError &e) {
            v->deleteLater();
            qCInfo(lcMedia) << "no video preview:" << e.detail;
            then();
        });
        v->start(localPath);
        return;
    }
    if (audio) {
        auto *a = new media::AudioProbe(this);
        connect(a, &media::AudioProbe::finished, this,
                [this, a, then](const media::AudioInfo &info) {
                    a->deleteLater();
                    if (m_pointer.durationMs == 0)
                        m_pointer.durationMs = info.durationMs;
                    if (m_pointer.waveform.isEmpty())
                        m_pointer.waveform = info.waveform;
                    then();
                });
        connect(a, &media::AudioProbe::failed, this, [a, then](const media::MediaError &e) {
            a->deleteLater();
            qCInfo(lcMedia) << "no audio waveform:" << e.detail;
            then();
        });
        a->start(localPath);
        return;
    }
    then();
}

void UploadRunner::store(const PreparedUpload &r) {
    if (stopped())
        return;
    media::AttachmentDescriptor &p = m_pointer;
    p.key = r.key;
    p.ciphertextSha256 = r.sha256;
    p.plaintextSize = r.plaintextSize;
    p.ciphertextSize = r.ciphertextSize;
    p.chunkSize = r.chunkSize;
    p.blobId.clear();
    m_localPath = r.localPath;
    m_job.stage = TransferJob::Stage::Upload;
    auto &transfers = m_env.store->transfers();
    const Status s = m_env.store->transaction([&]() -> Status {
        if (auto st = transfers.setPointer(m_job.messageRowId, m_job.index, p); !st)
            return st;
        if (auto st = transfers.setLocalFile(m_job.messageRowId, m_job.index, r.localPath,
                                             r.localSize, QDateTime::currentMSecsSinceEpoch());
            !st)
            return st;
        return saveJob();
    });
    if (!s) {
        fail(s.error());
        return;
    }
    emit progressed(); // the thumbnail and the local copy are there
    if (!m_streaming) {
        upload();
        return;
    }
    // The chunks went while the blob was written: the upload goes on where it is (or finishes,
    // when it waited for this).
    m_streaming.reset();
    if (std::exchange(m_finishWhenPrepared, false))
        sendChunk();
}

bool UploadRunner::common(const MediaAnswer &a, const std::function<void()> &again) {
    const Error &e = *a.error;
    switch (e.code) {
    case ErrorCode::NotAuthenticated:
        // Expired or revoked token: one immediate retry with a fresh one, then backoff.
        m_env.tokens->invalidate();
        if (!m_retriedAuth) {
            m_retriedAuth = true;
            again();
        } else {
            retryLater(e, again);
        }
        return true;
    case ErrorCode::TooLarge:
    case ErrorCode::QuotaExceeded:
    case ErrorCode::Forbidden:
    case ErrorCode::Usage:
    case ErrorCode::BadFrame:
        fail(e);
        return true;
    case ErrorCode::NoSuchBlob:
        // The server no longer has the upload (cleaned up after a day): start a new one.
        m_job.uploadId.clear();
        m_offset = 0;
        if (auto s = saveJob(); !s)
            fail(s.error());
        else
            upload();
        return true;
    case ErrorCode::Network:
    case ErrorCode::Timeout:
    case ErrorCode::Internal:
    case ErrorCode::RateLimited:
    case ErrorCode::StorageFull:
        // Resume from wherever the server is when the wait is over.
        retryLater(e, [this] { upload(); });
        return true;
    default:
        return false;
    }
}

void UploadRunner::upload() {
    m_env.tokens->get([this](Result<MediaToken> token) {
        if (stopped())
            return;
        if (!token) {
            noToken(token.error(), [this] { upload(); });
            return;
        }
        const MediaToken t = *token;
        m_chunk = m_env.chunkBytes;
        if (t.chunkBytes > 0)
            m_chunk = std::min(m_chunk, t.chunkBytes);
        if (t.maxFileBytes > 0 && m_pointer.ciphertextSize > t.maxFileBytes) {
            fail(Error{ErrorCode::TooLarge, QStringLiteral("over the server's size limit")});
            return;
        }
        if (m_job.uploadId.isEmpty()) {
            track(
                m_env.http->createUpload(t.token, m_pointer.ciphertextSize, [this](MediaAnswer a) {
                    if (stopped())
                        return;
                    if (!a.ok()) {
                        if (!common(a, [this] { upload(); }))
                            fail(*a.error);
                        return;
                    }
                    m_retriedAuth = false;
                    m_job.uploadId = a.upload;
                    if (a.chunk > 0)
                        m_chunk = std::min(m_chunk, a.chunk);
                    m_offset = 0;
                    if (m_job.uploadId.isEmpty()) {
                        fail(Error{ErrorCode::BadFrame, QStringLiteral("no upload id")});
                        return;
                    }
                    if (auto s = saveJob(); !s) {
                        fail(s.error());
                        return;
                    }
                    sendChunk();
                }));
            return;
        }
        // Resuming (a retry, a restart): ask the server where it is.
        track(m_env.http->uploadOffset(t.token, m_job.uploadId, [this](MediaAnswer a) {
            if (stopped())
                return;
            if (!a.ok()) {
                if (!common(a, [this] { upload(); }))
                    fail(*a.error);
                return;
            }
            m_retriedAuth = false;
            m_offset = a.offset.value_or(0);
            sendChunk();
        }));
    });
}

void UploadRunner::sendChunk() {
    if (m_offset > m_pointer.ciphertextSize) {
        fail(Error{ErrorCode::BadFrame, QStringLiteral("the server is past the end")});
        return;
    }
    m_transferred = m_offset;
    m_total = m_pointer.ciphertextSize;
    emit progressed();
    if (m_offset == m_pointer.ciphertextSize) {
        if (m_streaming) {
            m_finishWhenPrepared = true; // finish needs the hash
            return;
        }
        finish();
        return;
    }
    const qint64 n = qint64(std::min<quint64>(m_chunk, m_pointer.ciphertextSize - m_offset));
    if (m_streaming) {
        // Never a short chunk: wait until the encryption wrote all of it. A preparation that
        // ended without writing it failed or was cancelled, and its result says so.
        QPointer<UploadRunner> self(this);
        const bool ready = m_streaming->reached(m_offset + quint64(n), m_env.context, [self] {
            if (self && !self->stopped() && self->m_streaming)
                self->sendChunk();
        });
        if (!ready)
            return;
        if (m_streaming->written() < m_offset + quint64(n)) {
            m_finishWhenPrepared = true; // the result decides (a failure, or all written)
            return;
        }
    }
    QFile blob(m_job.tempPath);
    QByteArray chunk;
    if (blob.open(QIODevice::ReadOnly) && blob.seek(qint64(m_offset)))
        chunk = blob.read(n);
    if (chunk.size() != n && m_streaming) {
        m_finishWhenPrepared = true; // removed under us by a failing preparation: its result
        return;
    }
    if (chunk.size() != n) {
        // The encrypted blob is gone (cleaned up, disk trouble): encrypt again.
        m_job.stage = TransferJob::Stage::Prepare;
        prepare();
        return;
    }
    m_env.tokens->get([this, chunk](Result<MediaToken> token) {
        if (stopped())
            return;
        if (!token) {
            noToken(token.error(), [this] { upload(); });
            return;
        }
        const quint64 offset = m_offset;
        track(m_env.http->appendChunk(
            token->token, m_job.uploadId, offset, chunk,
            [this, offset, n = chunk.size()](MediaAnswer a) {
                if (stopped())
                    return;
                if (!a.ok() && a.error->code == ErrorCode::OffsetMismatch && a.offset) {
                    conflict(offset, *a.offset, *a.error);
                    return;
                }
                if (!a.ok()) {
                    if (!common(a, [this] { upload(); }))
                        fail(*a.error);
                    return;
                }
                m_retriedAuth = false;
                m_backoff.reset();
                m_job.attempts = 0;
                m_stuckConflicts = 0;
                m_lastConflict.reset();
                m_offset = a.offset.value_or(offset + quint64(n));
                sendChunk();
            }));
    });
}

void UploadRunner::conflict(quint64 sentAt, quint64 serverOffset, const Error &error) {
    // Usually the server is ahead (a chunk that arrived before a cut) or behind (a HEAD that
    // answered before a write was durable): go on from its offset at once. An offset that does
    // not move the upload on would repeat the same refusal forever.
    const bool stuck =
        serverOffset == sentAt || (m_lastConflict && serverOffset <= *m_lastConflict);
    m_lastConflict = serverOffset;
    m_offset = serverOffset;
    if (!stuck) {
        sendChunk();
        return;
    }
    if (++m_stuckConflicts > kMaxStuckConflicts) {
        fail(Error{ErrorCode::OffsetMismatch,
                   QStringLiteral("the server keeps refusing offset %1").arg(serverOffset)});
        return;
    }
    retryLater(error, [this] { upload(); }); // asks the server for its offset again
}

void UploadRunner::finish() {
    if (m_job.stage != TransferJob::Stage::Finish) {
        m_job.stage = TransferJob::Stage::Finish;
        if (auto s = saveJob(); !s) {
            fail(s.error());
            return;
        }
    }
    m_env.tokens->get([this](Result<MediaToken> token) {
        if (stopped())
            return;
        if (!token) {
            noToken(token.error(), [this] { finish(); });
            return;
        }
        const QByteArray tokenBytes = token->token;
        track(m_env.http->finishUpload(
            tokenBytes, m_job.uploadId, m_pointer.ciphertextSha256, [this](MediaAnswer a) {
                if (stopped())
                    return;
                if (!a.ok()) {
                    switch (a.error->code) {
                    case ErrorCode::UploadIncomplete:
                    case ErrorCode::OffsetMismatch:
                        m_job.stage = TransferJob::Stage::Upload;
                        upload(); // asks for the offset and sends the rest
                        return;
                    case ErrorCode::HashMismatch:
                        if (++m_hashFailures > kMaxHashFailures) {
                            fail(*a.error);
                            return;
                        }
                        m_job.stage = TransferJob::Stage::Prepare;
                        prepare(); // drops this upload: the new blob has another key
                        return;
                    case ErrorCode::NoSuchBlob:
                        m_job.stage = TransferJob::Stage::Upload;
                        break; // common(): a new upload
                    default:
                        break;
                    }
                    if (!common(a, [this] { finish(); }))
                        fail(*a.error);
                    return;
                }
                // Content-addressed: the blob's name is the hash this device computed.
                if (a.blob != QString::fromLatin1(m_pointer.ciphertextSha256.toHex())) {
                    fail(Error{ErrorCode::BadFrame, QStringLiteral("the server named the blob "
                                                                   "differently")});
                    return;
                }
                m_pointer.blobId = a.blob;
                m_job.stage = TransferJob::Stage::Send;
                auto &transfers = m_env.store->transfers();
                const Status s = m_env.store->transaction([&]() -> Status {
                    if (auto st = transfers.setPointer(m_job.messageRowId, m_job.index, m_pointer);
                        !st)
                        return st;
                    return saveJob();
                });
                if (!s) {
                    fail(s.error());
                    return;
                }
                m_transferred = m_pointer.ciphertextSize;
                succeed();
            }));
    });
}

} // namespace tidings::client

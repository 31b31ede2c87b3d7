#include "core/media/media.h"

#include "core/logging.h"
#include "core/media/file_naming.h"
#include "core/media/transfer_runner.h"
#include "core/store/database.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "core/store/transfer_store.h"
#include "core/sync/payload_codec.h"
#include "core/sync/sync_engine.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>
#include <QUuid>

namespace tidings::client {

namespace {

using Transfer = AttachmentRecord::Transfer;

QString mediaDirectoryFor(Storage *store, const QString &configured) {
    if (!configured.isEmpty())
        return configured;
    const QString db = store->database().filePath();
    if (!db.isEmpty() && db != u":memory:")
        return QFileInfo(db).absolutePath() + QStringLiteral("/media");
    // An in-memory profile (tests, tools): a private folder of this process.
    return QDir::temp().filePath(
        QStringLiteral("tidings-media-%1-%2")
            .arg(QCoreApplication::applicationPid())
            .arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0')));
}

bool isActive(Transfer t) {
    return t == Transfer::Queued || t == Transfer::Running || t == Transfer::Paused;
}

} // namespace

Media::Media(Storage *store, SyncEngine *sync, Requester *requests, std::function<QUrl()> serverUrl,
             Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_sync(sync)
    , m_serverUrl(std::move(serverUrl))
    , m_options(options)
    , m_files(mediaDirectoryFor(store, options.directory))
    , m_tokens(requests)
    , m_http(new MediaHttp(this)) {
    m_http->setStallTimeoutMs(m_options.stallTimeoutMs);
    m_pool.setMaxThreadCount(2);
    // My message stored: its encrypted blobs can go. Refused because a blob is gone: upload again.
    connect(m_sync, &SyncEngine::messageStored, this,
            [this](const QString &clientMessageId) { onMessageStored(clientMessageId); });
    m_sync->setBlobsGoneHandler([self = QPointer<Media>(this)](const QString &clientMessageId) {
        return self && self->takeBack(clientMessageId);
    });
    // After the caller finished wiring (signals connected), pick up what a previous run left.
    QMetaObject::invokeMethod(this, &Media::resumeJobs, Qt::QueuedConnection);
}

Media::~Media() {
    for (TransferRunner *r : std::as_const(m_runners)) {
        r->stop();
        delete r;
    }
    m_runners.clear();
    m_pool.waitForDone();
}

void Media::resumeJobs() {
    if (!m_files.ensure())
        qCWarning(lcMedia) << "cannot create the media folder";
    auto jobs = m_store->transfers().jobs();
    if (!jobs) {
        qCWarning(lcMedia) << "transfer jobs unreadable:" << jobs.error().toString();
        return;
    }
    QSet<QString> keep;
    for (const TransferJob &j : *jobs) {
        if (!j.tempPath.isEmpty())
            keep.insert(QFileInfo(j.tempPath).absoluteFilePath());
    }
    if (const int swept = m_files.sweepTemps(keep); swept > 0)
        qCInfo(lcMedia) << "removed" << swept << "scratch file(s) of an earlier run";
    int resumed = 0;
    for (const TransferJob &j : *jobs) {
        const Key key{j.messageRowId, j.index};
        if (m_runners.contains(key) || m_queue.contains(key))
            continue;
        auto att = m_store->transfers().attachment(j.messageRowId, j.index);
        if (!att || !att->has_value()) {
            (void)m_store->transfers().removeJob(j.messageRowId, j.index);
            continue;
        }
        if (j.upload && (*att)->seq != 0) {
            dropUploadJobs(j.messageRowId); // stored while this device did not hear of it
            continue;
        }
        if (!isActive((*att)->record.transfer))
            continue; // failed or cancelled: waits for retry()
        m_queue.append(key);
        ++resumed;
    }
    if (resumed > 0)
        qCInfo(lcMedia) << "resuming" << resumed << "transfer(s)";
    schedule();
}

// --- sending -----------------------------------------------------------------------------------

Result<QStringList> Media::sendFiles(quint64 conversationId, const QList<OutgoingFile> &files,
                                     const QString &caption) {
    if (conversationId == 0)
        return Error{ErrorCode::Usage, QStringLiteral("no conversation")};
    if (files.isEmpty())
        return Error{ErrorCode::Usage, QStringLiteral("no file to send")};
    // Every file is checked before anything is written: one bad file refuses the whole send.
    for (const OutgoingFile &f : files) {
        const QFileInfo info(f.path);
        if (!info.isFile() || !info.isReadable())
            return Error{ErrorCode::Usage, QStringLiteral("cannot read %1").arg(f.path)};
        if (info.size() == 0)
            return Error{ErrorCode::Usage, QStringLiteral("%1 is empty").arg(f.path)};
        const auto &limits = m_tokens.last();
        if (limits && limits->maxFileBytes > 0 && quint64(info.size()) > limits->maxFileBytes)
            return Error{ErrorCode::TooLarge,
                         QStringLiteral("%1 is larger than the server accepts").arg(f.path)};
    }
    if (!m_files.ensure())
        return Error{ErrorCode::Storage, QStringLiteral("cannot create the media folder")};
    QStringList ids;
    QList<Key> keys;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const Status s = m_store->transaction([&]() -> Status {
        for (qsizetype i = 0; i < files.size(); ++i) {
            const OutgoingFile &f = files.at(i);
            const QFileInfo info(f.path);
            media::AttachmentDescriptor p;
            p.fileName = media::safeFileName(info.fileName());
            p.mimeType = media::detectMimeType(f.path);
            const bool voice = f.kind == AttachmentRecord::Kind::Voice;
            p.kind =
                f.asFile ? media::AttachmentKind::File : media::kindForMimeType(p.mimeType, voice);
            p.plaintextSize = quint64(info.size());
            p.waveform = f.waveform.left(kMaxAttachmentWaveformBytes);
            p.durationMs = std::max<qint64>(0, f.durationMs);
            OutgoingDraft d;
            d.clientMessageId = QUuid::createUuid().toString(QUuid::WithoutBraces);
            d.conversationId = conversationId;
            d.text = i == 0 ? caption : QString();
            d.sentAtMs = now;
            d.payload = encodePayload(MessageContent{d.text, now});
            auto row = m_sync->enqueueWithAttachments(d, {p}, true);
            if (!row)
                return row.error();
            TransferJob job;
            job.messageRowId = *row;
            job.index = 0;
            job.upload = true;
            job.stage = TransferJob::Stage::Prepare;
            job.sourcePath = info.absoluteFilePath();
            job.asFile = f.asFile;
            job.createdAtMs = now;
            if (auto st = m_store->transfers().putJob(job); !st)
                return st;
            ids.append(d.clientMessageId);
            keys.append({*row, 0});
        }
        return {};
    });
    if (!s)
        return s.error();
    for (const Key &k : keys) {
        m_queue.append(k);
        notify(k, true);
    }
    schedule();
    return ids;
}

Result<QString> Media::forward(quint64 fromConversationId, quint64 seq, quint64 toConversationId) {
    auto message = m_store->messages().messageBySeq(fromConversationId, seq);
    if (!message)
        return message.error();
    if (!message->has_value())
        return Error{ErrorCode::Usage, QStringLiteral("no such message")};
    auto atts = m_store->transfers().attachmentsOf((*message)->rowId);
    if (!atts)
        return atts.error();
    QList<media::AttachmentDescriptor> pointers;
    for (const StoredAttachment &a : *atts) {
        if (!a.valid || a.pointer.blobId.isEmpty() || a.pointer.key.size() != 32)
            return Error{ErrorCode::Usage, QStringLiteral("the attachment cannot be forwarded")};
        pointers.append(a.pointer);
    }
    if (pointers.isEmpty())
        return Error{ErrorCode::Usage, QStringLiteral("the message has no attachment")};
    // The same pointers: the server keeps the blobs, nothing is uploaded again.
    OutgoingDraft d;
    d.clientMessageId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    d.conversationId = toConversationId;
    d.text = (*message)->text;
    d.sentAtMs = QDateTime::currentMSecsSinceEpoch();
    MessageContent content{d.text, d.sentAtMs};
    content.attachments = pointers;
    d.payload = encodePayload(content);
    auto row = m_sync->enqueueWithAttachments(d, pointers, false);
    if (!row)
        return row.error();
    // The forwarded copy starts without a local file (so it is downloadable again).
    for (int i = 0; i < pointers.size(); ++i)
        setState({*row, i}, Transfer::None, 0);
    return d.clientMessageId;
}

// --- receiving ---------------------------------------------------------------------------------

void Media::download(quint64 conversationId, quint64 seq) {
    auto atts = m_store->transfers().attachmentsAt(conversationId, seq);
    if (!atts) {
        qCWarning(lcMedia) << "download:" << atts.error().toString();
        return;
    }
    for (const StoredAttachment &a : *atts) {
        const Key key{a.messageRowId, a.index};
        if (!a.valid || a.pointer.blobId.isEmpty() || m_runners.contains(key) ||
            m_queue.contains(key))
            continue;
        if (a.record.transfer == Transfer::Done && !a.record.localPath.isEmpty() &&
            QFileInfo::exists(a.record.localPath))
            continue; // already here
        if (auto s = startDownload(a); !s)
            qCWarning(lcMedia) << "download not started:" << s.error().toString();
    }
}

Status Media::startDownload(const StoredAttachment &a) {
    TransferJob job;
    job.messageRowId = a.messageRowId;
    job.index = a.index;
    job.upload = false;
    job.stage = TransferJob::Stage::Fetch;
    job.createdAtMs = QDateTime::currentMSecsSinceEpoch();
    if (auto s = m_store->transfers().putJob(job); !s)
        return s;
    const Key key{a.messageRowId, a.index};
    setState(key, Transfer::Queued, 0);
    m_queue.append(key);
    schedule();
    return {};
}

void Media::onMessagesReceived(quint64 conversationId, const QList<MessageRecord> &messages) {
    for (const MessageRecord &m : messages) {
        if (m.attachments.isEmpty() || m.seq == 0)
            continue;
        bool wanted = false;
        for (const AttachmentRecord &a : m.attachments) {
            if (a.transfer != Transfer::None || a.blobId.isEmpty())
                continue;
            switch (a.kind) {
            case AttachmentRecord::Kind::Image:
                wanted = wanted || a.size <= m_auto.imagesUpToBytes;
                break;
            case AttachmentRecord::Kind::Video:
                wanted = wanted || m_auto.video;
                break;
            case AttachmentRecord::Kind::Audio:
            case AttachmentRecord::Kind::Voice:
                wanted = wanted || m_auto.audio;
                break;
            case AttachmentRecord::Kind::File:
                wanted = wanted || m_auto.files;
                break;
            }
        }
        if (wanted)
            download(conversationId, m.seq);
    }
}

void Media::setAutoDownload(AutoDownload policy) {
    m_auto = policy;
}

// --- control -----------------------------------------------------------------------------------

void Media::stopTransfer(const Key &key) {
    m_queue.removeAll(key);
    if (TransferRunner *r = m_runners.take(key)) {
        r->stop();
        r->deleteLater();
    }
}

void Media::cancel(const QString &clientMessageId) {
    auto atts = m_store->transfers().attachmentsByClientId(clientMessageId);
    if (!atts)
        return;
    for (const StoredAttachment &a : *atts) {
        const Key key{a.messageRowId, a.index};
        if (!isActive(a.record.transfer) && !m_runners.contains(key))
            continue;
        stopTransfer(key);
        auto job = m_store->transfers().job(a.messageRowId, a.index);
        if (job && job->has_value() && (*job)->upload) {
            TransferJob j = **job;
            if (!j.uploadId.isEmpty()) {
                dropUpload(j.uploadId);
                j.uploadId.clear();
                if (j.stage == TransferJob::Stage::Finish)
                    j.stage = TransferJob::Stage::Upload;
                (void)m_store->transfers().putJob(j);
            }
        } else if (job && job->has_value()) {
            m_files.remove((*job)->tempPath);
            (void)m_store->transfers().removeJob(a.messageRowId, a.index);
        }
        setState(key, Transfer::Cancelled, 0);
    }
    schedule();
}

void Media::dropUpload(const QString &uploadId, int attempt) {
    // The server drops the half upload and its bytes stop counting against the quota at once
    // (left alone it would expire only after a day). It may answer "busy" while it still winds
    // down the chunk that was cut off, or the network may be away: try again a few times.
    constexpr int kAttempts = 6;
    QPointer<Media> self(this);
    const auto again = [self, uploadId, attempt](quint32 retryAfterMs) {
        if (!self || attempt + 1 >= kAttempts)
            return;
        const int backoff = std::min(self->m_options.retryCapMs,
                                     self->m_options.retryBaseMs * (1 << std::min(attempt, 16)));
        QTimer::singleShot(std::max(backoff, int(retryAfterMs)), self,
                           [self, uploadId, attempt] { self->dropUpload(uploadId, attempt + 1); });
    };
    m_http->setBaseUrl(MediaHttp::baseUrlFor(m_serverUrl()));
    m_http->setPinnedCertificate(m_pin ? m_pin() : QString());
    m_tokens.get([self, uploadId, again](Result<MediaToken> t) {
        if (!self)
            return;
        if (!t)
            return again(0);
        self->m_http->cancelUpload(t->token, uploadId, [self, again](MediaAnswer a) {
            if (!self || a.ok())
                return;
            switch (a.error->code) {
            case ErrorCode::NotAuthenticated:
                self->m_tokens.invalidate();
                return again(0);
            case ErrorCode::Network:
            case ErrorCode::Timeout:
            case ErrorCode::Internal:
            case ErrorCode::RateLimited:
            case ErrorCode::StorageFull:
                return again(a.error->retryAfterMs);
            default:
                return; // gone already (NO_SUCH_BLOB), or refused for good
            }
        });
    });
}

void Media::retry(const QString &clientMessageId) {
    auto atts = m_store->transfers().attachmentsByClientId(clientMessageId);
    if (!atts)
        return;
    for (const StoredAttachment &a : *atts) {
        const Key key{a.messageRowId, a.index};
        if (TransferRunner *r = m_runners.value(key)) {
            r->retryNow();
            continue;
        }
        if (a.record.transfer != Transfer::Failed && a.record.transfer != Transfer::Cancelled)
            continue;
        if (!a.valid)
            continue; // a damaged pointer stays damaged
        auto job = m_store->transfers().job(a.messageRowId, a.index);
        if (job && job->has_value() && (*job)->upload) {
            TransferJob j = **job;
            j.attempts = 0;
            j.reuploads = 0;
            (void)m_store->transfers().putJob(j);
            setState(key, Transfer::Queued, 0);
            m_queue.append(key);
        } else if (!a.pointer.blobId.isEmpty()) {
            if (auto s = startDownload(a); !s)
                qCWarning(lcMedia) << "retry:" << s.error().toString();
        }
    }
    schedule();
}

Status Media::deleteLocalCopy(quint64 conversationId, quint64 seq) {
    auto atts = m_store->transfers().attachmentsAt(conversationId, seq);
    if (!atts)
        return atts.error();
    if (atts->isEmpty())
        return Error{ErrorCode::Usage, QStringLiteral("no attachment at that message")};
    for (const StoredAttachment &a : *atts) {
        const Key key{a.messageRowId, a.index};
        if (m_runners.contains(key) || m_queue.contains(key)) {
            stopTransfer(key);
            if (auto job = m_store->transfers().job(a.messageRowId, a.index);
                job && job->has_value() && !(*job)->upload) {
                m_files.remove((*job)->tempPath);
                (void)m_store->transfers().removeJob(a.messageRowId, a.index);
            }
        }
        if (!a.record.localPath.isEmpty())
            m_files.remove(a.record.localPath);
        if (auto s = m_store->transfers().setLocalFile(a.messageRowId, a.index, QString(), 0,
                                                       QDateTime::currentMSecsSinceEpoch());
            !s)
            return s;
        setState(key, a.valid ? Transfer::None : a.record.transfer, 0,
                 a.valid ? QString() : a.record.transferError);
    }
    return {};
}

void Media::setCacheLimit(quint64 bytes) {
    m_options.cacheLimitBytes = bytes;
    evict();
}

quint64 Media::cacheBytes() const {
    auto bytes = m_store->transfers().cacheBytes();
    return bytes ? *bytes : 0;
}

void Media::onSessionEnded(const Error &why) {
    const bool signedOut = why.code == ErrorCode::BadToken ||
                           why.code == ErrorCode::NotAuthenticated ||
                           why.code == ErrorCode::Forbidden;
    m_tokens.fail(why, signedOut);
}

void Media::onAuthenticated() {
    m_tokens.sessionStarted();
    for (TransferRunner *r : std::as_const(m_runners))
        r->retryNow();
}

} // namespace tidings::client

// Media: running the transfer jobs (bounded concurrency), turning their progress into attachment
// states and signals, sending a message once its uploads finished, and the cache's eviction.
#include "core/logging.h"
#include "core/media/media.h"
#include "core/media/transfer_runner.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "core/store/transfer_store.h"
#include "core/sync/payload_codec.h"
#include "core/sync/sync_engine.h"

#include <QDateTime>

namespace tidings::client {

using Transfer = AttachmentRecord::Transfer;

void Media::schedule() {
    while (m_runners.size() < std::max(1, m_options.maxConcurrent) && !m_queue.isEmpty()) {
        const Key key = m_queue.takeFirst();
        if (m_runners.contains(key))
            continue;
        auto job = m_store->transfers().job(key.first, key.second);
        if (!job || !job->has_value()) {
            qCWarning(lcMedia) << "a queued transfer has no job";
            continue;
        }
        launch(**job);
    }
}

void Media::launch(const TransferJob &job) {
    const Key key{job.messageRowId, job.index};
    m_http->setBaseUrl(MediaHttp::baseUrlFor(m_serverUrl()));
    m_http->setPinnedCertificate(m_pin ? m_pin() : QString());
    TransferEnv env;
    env.store = m_store;
    env.http = m_http;
    env.tokens = &m_tokens;
    env.files = &m_files;
    env.pool = &m_pool;
    env.context = this;
    env.retryBaseMs = m_options.retryBaseMs;
    env.retryCapMs = m_options.retryCapMs;
    env.chunkBytes = m_options.chunkBytes;
    env.blobWritten = m_options.blobWritten;
    TransferRunner *runner = job.upload ? static_cast<TransferRunner *>(new UploadRunner(env, job))
                                        : new DownloadRunner(env, job);
    runner->setParent(this);
    m_runners.insert(key, runner);
    connect(runner, &TransferRunner::progressed, this, [this, key] { notify(key, false); });
    connect(runner, &TransferRunner::running, this,
            [this, key, runner] { setState(key, Transfer::Running, runner->transferred()); });
    connect(runner, &TransferRunner::waiting, this, [this, key, runner](const Error &) {
        setState(key, Transfer::Paused, runner->transferred());
    });
    connect(runner, &TransferRunner::finished, this,
            [this, runner](const Status &result) { onRunnerFinished(runner, result); });
    m_lastProgress.remove(key);
    runner->start();
}

void Media::onRunnerFinished(TransferRunner *runner, const Status &result) {
    const TransferJob job = runner->job();
    const Key key{job.messageRowId, job.index};
    if (m_runners.value(key) == runner)
        m_runners.remove(key);
    runner->deleteLater();
    if (!result) {
        setFailed(key, result.error(), job.upload);
        if (!job.upload)
            (void)m_store->transfers().removeJob(job.messageRowId, job.index);
    } else if (job.upload) {
        uploadFinished(job);
    } else {
        auto *download = static_cast<DownloadRunner *>(runner);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const Status s = m_store->transaction([&]() -> Status {
            if (auto st = m_store->transfers().setLocalFile(
                    job.messageRowId, job.index, download->localPath(), download->localSize(), now);
                !st)
                return st;
            if (auto st = m_store->transfers().setState(job.messageRowId, job.index, Transfer::Done,
                                                        download->localSize());
                !st)
                return st;
            return m_store->transfers().removeJob(job.messageRowId, job.index);
        });
        if (!s) {
            m_files.remove(download->localPath());
            setFailed(key, s.error(), false);
        } else {
            notify(key, true);
            auto att = m_store->transfers().attachment(job.messageRowId, job.index);
            if (att && att->has_value())
                emit downloaded((*att)->conversationId, (*att)->seq, download->localPath());
            evict();
        }
    }
    schedule();
}

void Media::uploadFinished(const TransferJob &job) {
    const Key key{job.messageRowId, job.index};
    auto att = m_store->transfers().attachment(job.messageRowId, job.index);
    if (!att || !att->has_value())
        return;
    // One transaction: a crash between "done" and the message's release would leave a done
    // attachment, which resumeJobs() does not pick up again, under a message never sent.
    const Status s = m_store->transaction([&]() -> Status {
        if (auto st = m_store->transfers().setState(job.messageRowId, job.index, Transfer::Done,
                                                    (*att)->record.size);
            !st)
            return st;
        return releaseIfComplete(job.messageRowId);
    });
    if (!s) {
        setFailed(key, s.error(), true);
        return;
    }
    notify(key, true);
}

Status Media::releaseIfComplete(qint64 messageRowId) {
    auto atts = m_store->transfers().attachmentsOf(messageRowId);
    if (!atts)
        return atts.error();
    QList<media::AttachmentDescriptor> pointers;
    for (const StoredAttachment &a : *atts) {
        if (a.pointer.blobId.isEmpty())
            return {}; // another file of this message is still on its way
        pointers.append(a.pointer);
    }
    auto message = m_store->messages().messageByRowId(messageRowId);
    if (!message)
        return message.error();
    if (!message->has_value())
        return Error{ErrorCode::Storage, QStringLiteral("the message is gone")};
    const MessageRecord &m = **message;
    if (m.seq == 0) {
        OutgoingDraft d;
        d.clientMessageId = m.clientMessageId;
        d.conversationId = m.conversationId;
        d.text = m.text;
        d.sentAtMs = m.sentAtMs;
        MessageContent content{m.text, m.sentAtMs};
        content.attachments = pointers;
        d.payload = encodePayload(content);
        if (auto s = m_sync->releaseHeld(d); !s)
            return s;
    } else {
        dropUploadJobs(messageRowId); // stored already (a retry raced the ack)
    }
    // The encrypted blobs and the jobs stay until the server stored the message
    // (onMessageStored): a blob it collected meanwhile is uploaded again from them (takeBack).
    qCInfo(lcMedia) << "uploads of message row" << messageRowId << "finished; message queued";
    emit uploaded(m.conversationId, m.clientMessageId);
    return {};
}

void Media::setState(const Key &key, Transfer state, quint64 transferred, const QString &error) {
    if (auto s = m_store->transfers().setState(key.first, key.second, state, transferred, error);
        !s)
        qCWarning(lcMedia) << "transfer state not saved:" << s.error().toString();
    notify(key, true);
}

void Media::setFailed(const Key &key, const Error &error, bool upload) {
    setState(key, Transfer::Failed, 0, transferErrorText(error, upload));
    auto att = m_store->transfers().attachment(key.first, key.second);
    if (att && att->has_value())
        emit transferFailed((*att)->conversationId, (*att)->clientMessageId, (*att)->seq, error);
}

void Media::notify(const Key &key, bool force) {
    QElapsedTimer &last = m_lastProgress[key];
    if (!force && last.isValid() && last.elapsed() < m_options.progressIntervalMs)
        return;
    last.start();
    auto att = m_store->transfers().attachment(key.first, key.second);
    if (!att || !att->has_value())
        return;
    AttachmentRecord record = (*att)->record;
    if (const TransferRunner *r = m_runners.value(key)) {
        // Progress in plaintext bytes (the blob is padded), so size is 100 %.
        const quint64 total = r->total() > 0 ? r->total() : (*att)->pointer.ciphertextSize;
        const quint64 done = r->transferred();
        record.transferredBytes =
            total > 0 ? quint64(double(done) / double(total) * double(record.size)) : 0;
    }
    if (record.transfer == Transfer::Done || record.transfer == Transfer::None)
        m_lastProgress.remove(key);
    emit transferChanged((*att)->conversationId, (*att)->clientMessageId, (*att)->seq, record);
}

void Media::evict() {
    auto total = m_store->transfers().cacheBytes();
    if (!total || *total <= m_options.cacheLimitBytes)
        return;
    auto files = m_store->transfers().cachedFiles();
    if (!files)
        return;
    quint64 bytes = *total;
    for (const StoredAttachment &a : *files) {
        if (bytes <= m_options.cacheLimitBytes)
            break;
        const Key key{a.messageRowId, a.index};
        if ((a.outgoing && a.seq == 0) || m_runners.contains(key) || m_queue.contains(key))
            continue; // my own file until it is sent; anything being transferred
        m_files.remove(a.record.localPath);
        if (auto s = m_store->transfers().setLocalFile(a.messageRowId, a.index, QString(), 0,
                                                       a.lastUsedMs);
            !s)
            return;
        bytes -= std::min(bytes, a.localSize);
        setState(key, a.record.transfer == Transfer::Done ? Transfer::None : a.record.transfer, 0,
                 a.record.transferError);
    }
    qCInfo(lcMedia) << "media cache at" << bytes << "bytes after eviction";
}

} // namespace tidings::client

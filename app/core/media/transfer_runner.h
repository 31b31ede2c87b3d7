#pragma once
// The running side of a persisted transfer job (TransferStore): one upload or download of one
// attachment, as a small state machine over the media HTTP client, the token cache and the
// worker pool. A runner persists its job's stage (and the server's upload id) as it advances, so
// a restarted app resumes where it stopped; it retries transient failures (network, timeouts,
// 5xx, 429, a dropped connection after a laptop slept) with backoff and resumes from the server's
// offset (uploads) or the bytes already fetched (downloads). It reports progress and ends with
// finished(): success, or a permanent failure with a typed error. The Media module owns runners,
// bounds how many run at once and turns their signals into attachment states.
#include "core/media/media_files.h"
#include "core/media/media_http.h"
#include "core/media/media_tokens.h"
#include "core/media/media_work.h"
#include "core/net/backoff.h"
#include "core/store/transfer_store.h"

#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>

#include <functional>

namespace tidings::client {

class Storage;

struct TransferEnv {
    Storage *store = nullptr;
    MediaHttp *http = nullptr;
    MediaTokens *tokens = nullptr;
    const MediaFiles *files = nullptr;
    QThreadPool *pool = nullptr;
    //! Queued results of pool work are delivered through this object's thread.
    QObject *context = nullptr;
    int retryBaseMs = 1000;
    int retryCapMs = 60'000;
    //! Upper bound of an upload chunk (the server's announced chunk may be smaller).
    quint32 chunkBytes = 4u << 20;
    //! Tests: runs on the preparing worker after each piece of an upload blob is written.
    BlobProgress::Hook blobWritten;
};

class TransferRunner : public QObject {
    Q_OBJECT
public:
    TransferRunner(TransferEnv env, TransferJob job, QObject *parent = nullptr);
    ~TransferRunner() override;

    const TransferJob &job() const { return m_job; }
    quint64 transferred() const { return m_transferred; }
    //! The blob's size as the runner knows it; 0 when only the stored pointer says (an upload
    //! streaming while it is encrypted knows it before its pointer is stored).
    quint64 total() const { return m_total; }
    virtual void start() = 0;
    //! Aborts the request in flight and tells a worker to stop; no signal follows.
    void stop();
    //! A backoff wait ends now (the session came back).
    void retryNow();
    bool isWaiting() const { return m_retry.isActive(); }

signals:
    void progressed();
    //! A transient failure: the transfer waits (Paused) and tries again by itself.
    void waiting(const tidings::Error &reason);
    void running();
    //! Done, or failed for good (the job stays for retry()).
    void finished(const tidings::Status &result);

protected:
    void track(QNetworkReply *reply) { m_reply = reply; }
    //! Waits with backoff, then runs `again`.
    void retryLater(const Error &reason, std::function<void()> again);
    //! No media token: this device was signed out (a failure for good), or no session yet.
    void noToken(const Error &reason, std::function<void()> again);
    void succeed();
    void fail(const Error &error);
    Status saveJob();
    bool stopped() const { return m_stopped; }

    //! Runs `work` on the pool; `then` runs on this object's thread unless stopped meanwhile.
    template <typename T> void inPool(std::function<T()> work, std::function<void(T)> then) {
        QPointer<TransferRunner> self(this);
        QObject *context = m_env.context;
        m_env.pool->start([self, context, work = std::move(work), then = std::move(then)] {
            T result = work();
            QMetaObject::invokeMethod(
                context,
                [self, then, result = std::move(result)]() mutable {
                    if (self && !self->m_stopped)
                        then(std::move(result));
                },
                Qt::QueuedConnection);
        });
    }

    TransferEnv m_env;
    TransferJob m_job;
    quint64 m_transferred = 0;
    quint64 m_total = 0;
    CancelFlag m_cancel;
    QPointer<QNetworkReply> m_reply;
    Backoff m_backoff;
    bool m_retriedAuth = false;

private:
    QTimer m_retry;
    std::function<void()> m_again;
    bool m_stopped = false;
};

//! Prepare (photo re-encoding or copy, then encryption into a blob) → create the upload → chunks
//! → finish with the hash → the pointer is complete (Media sends the message).
//!
//! Streaming: when the blob's size is known before encrypting (every file sent as it is; not a
//! photo to re-encode), the upload is created and its chunks sent while the blob is still being
//! written (BlobProgress), each chunk once its bytes are complete; finish waits for the
//! preparation (the hash and the key). The job stays in the Prepare stage, with the upload's id,
//! until the preparation is stored: a restart then starts over with a new key, and the half
//! upload of the old one is dropped.
class UploadRunner : public TransferRunner {
    Q_OBJECT
public:
    using TransferRunner::TransferRunner;
    void start() override;

private:
    void prepare();
    //! Fills what only decoding tells (a video's poster, size and duration; an audio file's
    //! duration and waveform) into the pointer, then runs `then` (also when decoding fails).
    void probe(const QString &localPath, std::function<void()> then);
    //! Persists the prepared pointer and the local copy, then uploads.
    void store(const PreparedUpload &prepared);
    void upload();
    void sendChunk();
    void finish();
    //! Asks the server to drop an upload this runner no longer continues (best effort).
    void discardUpload(const QString &uploadId);
    //! Handles what every request may answer; false when `a` still needs the caller.
    bool common(const MediaAnswer &a, const std::function<void()> &again);
    //! A 409 to the chunk sent at `sentAt`: resume from `serverOffset`, with backoff (and in the
    //! end failure) when that does not move the upload on.
    void conflict(quint64 sentAt, quint64 serverOffset, const Error &error);

    media::AttachmentDescriptor m_pointer;
    QString m_localPath; //!< the profile's copy of the file, once prepared
    quint64 m_offset = 0;
    quint32 m_chunk = 0;
    int m_hashFailures = 0;
    int m_stuckConflicts = 0;
    std::optional<quint64> m_lastConflict; //!< the offset the last 409 named
    //! Set while the blob is being written and uploaded at once; null otherwise.
    std::shared_ptr<BlobProgress> m_streaming;
    //! The chunk loop reached the end of the blob and waits for the preparation to be stored.
    bool m_finishWhenPrepared = false;
};

//! Fetch the blob with ranges into a scratch file → verify the hash and decrypt → rename into
//! the profile. localPath() is the decrypted file once finished.
class DownloadRunner : public TransferRunner {
    Q_OBJECT
public:
    using TransferRunner::TransferRunner;
    void start() override;
    const QString &localPath() const { return m_localPath; }
    quint64 localSize() const { return m_localSize; }

private:
    void fetch();
    void decrypt();
    void discardPart();

    media::AttachmentDescriptor m_pointer;
    QString m_localPath;
    quint64 m_localSize = 0;
};

} // namespace tidings::client

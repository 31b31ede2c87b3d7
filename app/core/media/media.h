#pragma once
// Photos, videos, files and voice notes (issue 10; the contract is plan/MEDIA.md): the client
// core's media feature module, reached as client.media().
//
// Sending: each file becomes one message, written at once as a pending row whose attachment is
// queued; a persisted upload job prepares it off the GUI thread (photos re-encoded without
// metadata, with a tiny thumbnail; other files copied into the profile), encrypts it with a fresh
// key (crypto::encryptMedia), uploads it in chunks with the server's resumable protocol and
// finishes with the hash. Only then does the message enter the outbox, its E2E body carrying
// the pointer and its SendRequest naming the blob. Ordering: a message with an attachment takes
// its place in the conversation when its upload finished — texts written after it are not held
// behind a long upload (they may arrive first); the pending row shows where it was written until
// the server gives it its seq.
//
// Receiving: pointers arrive checked (payload_codec); images up to a size download by themselves
// (AutoDownload), everything else on download(). A download fetches the ciphertext with ranges
// into a scratch file, verifies its SHA-256 and decrypts it off-thread, and only then renames the
// plaintext into place: nothing partial is ever shown as complete, and a truncated or altered
// blob is a typed error on the message.
//
// Transfers survive restarts (TransferStore), retry with backoff, resume from the server's offset
// or the bytes already fetched, and at most maxConcurrent run at once. Downloads live in a cache
// bounded by setCacheLimit (least recently used evicted; my own files stay until sent).
//
// A message is never lost to the server's expiry: an upload that finished long before its
// message could be sent (a laptop asleep past the server's day of grace) may have been
// collected. The encrypted blobs and the upload jobs are therefore kept until the server stored
// the message; a send refused with NO_SUCH_BLOB takes the message back (held again), uploads
// the same ciphertext anew (or encrypts the local copy again when the blob is gone here too),
// and sends it once more — at most kMaxReuploads times, then it fails like any refused send.
#include "core/media/media_files.h"
#include "core/media/media_http.h"
#include "core/media/media_tokens.h"
#include "core/store/records.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QThreadPool>
#include <QUrl>

#include <functional>
#include <memory>

namespace tidings::client {

class Requester;
class Storage;
class SyncEngine;
class TransferRunner;
struct StoredAttachment;
struct TransferJob;

//! A file to send.
struct OutgoingFile {
    QString path;        //!< a local file the user picked/dropped/pasted (copied into the profile)
    bool asFile = false; //!< send a photo/video as a plain file (no re-encoding)
    AttachmentRecord::Kind kind = AttachmentRecord::Kind::File; //!< Voice for voice notes
    QByteArray waveform;                                        //!< set by the voice recorder
    qint64 durationMs = 0;
};

class Media : public QObject {
    Q_OBJECT
public:
    struct Options {
        //! The profile's media folder; empty: "media" beside the database file.
        QString directory;
        int maxConcurrent = 3;
        int retryBaseMs = 1000;
        int retryCapMs = 60'000;
        //! A request that moves no byte for this long is dropped and retried.
        int stallTimeoutMs = 30'000;
        quint32 chunkBytes = 4u << 20;
        //! Progress signals per transfer at most this often (state changes always go out).
        int progressIntervalMs = 100;
        quint64 cacheLimitBytes = quint64(2) << 30;
        //! Tests: runs on the preparing worker after each piece of an upload blob is written
        //! (to hold the encryption at a known point while the upload streams).
        std::function<void(quint64 written)> blobWritten;
    };

    //! `serverUrl` says where the WebSocket is (the media base URL derives from it).
    Media(Storage *store, SyncEngine *sync, Requester *requests, std::function<QUrl()> serverUrl,
          Options options, QObject *parent = nullptr);
    ~Media() override;
    //! The server certificate fingerprint the user trusted (Account::trustedCertificate()): media
    //! over https:// to a self-signed server accepts exactly that certificate.
    void setCertificatePin(std::function<QString()> pin) { m_pin = std::move(pin); }

    // One message per file (the caption goes with the first). The message appears at once as a
    // pending row; preparing, encrypting and uploading run in the background as persisted
    // transfer jobs; the message is sent when its upload finished. Returns the client message
    // ids. A file that cannot be read or is empty is refused before anything is written.
    Result<QStringList> sendFiles(quint64 conversationId, const QList<OutgoingFile> &files,
                                  const QString &caption = {});
    // Forward/resend an already uploaded or received attachment to another chat: no new upload.
    Result<QString> forward(quint64 fromConversationId, quint64 seq, quint64 toConversationId);
    // Downloads (and decrypts, verifying the hash) the attachments of a message.
    void download(quint64 conversationId, quint64 seq); // progress via transferChanged
    void cancel(const QString &clientMessageId);        // upload or download of that message
    void retry(const QString &clientMessageId);
    Status deleteLocalCopy(quint64 conversationId, quint64 seq); // "delete from this device"
    struct AutoDownload {
        quint64 imagesUpToBytes = 8u << 20;
        bool video = false, audio = true, files = false;
    };
    void setAutoDownload(AutoDownload policy);
    AutoDownload autoDownload() const { return m_auto; }
    void setCacheLimit(quint64 bytes);
    quint64 cacheLimit() const { return m_options.cacheLimitBytes; }
    quint64 cacheBytes() const;

    // --- for the Client, the CLI and tests ----------------------------------------------------
    //! Messages of others arrived (Messaging::messagesReceived): auto-download what the policy
    //! says.
    void onMessagesReceived(quint64 conversationId, const QList<MessageRecord> &messages);
    //! A session started: transfers waiting to retry go at once.
    void onAuthenticated();
    //! The client stopped, or the server signed this device out (`why`): the token request
    //! that waited for a session was dropped. Transfers waiting for a token get `why`: they
    //! wait for the next session, or fail when the device was logged out (as every transfer
    //! does until a session starts again).
    void onSessionEnded(const tidings::Error &why);
    //! Transfers running or waiting to run.
    int activeCount() const { return int(m_runners.size() + m_queue.size()); }
    const QString &directory() const { return m_files.root(); }
    MediaTokens &tokens() { return m_tokens; }

signals:
    // Any change of an attachment's transfer state or progress (throttled to ~10/s per transfer).
    void transferChanged(quint64 conversationId, const QString &clientMessageId, quint64 seq,
                         const tidings::client::AttachmentRecord &attachment);
    // A download finished: localPath is set (the model repaints the full image).
    void downloaded(quint64 conversationId, quint64 seq, const QString &localPath);
    //! The upload of my message finished and the message went to the outbox.
    void uploaded(quint64 conversationId, const QString &clientMessageId);
    //! A transfer failed for good (its attachment is Failed, transferError has the words;
    //! retry() starts it again): the typed error, for callers that act on its kind (the CLI's
    //! exit status).
    void transferFailed(quint64 conversationId, const QString &clientMessageId, quint64 seq,
                        const tidings::Error &error);

private:
    using Key = QPair<qint64, int>; //!< (message row, attachment index)

    void resumeJobs();
    Status startDownload(const StoredAttachment &attachment);
    void schedule();
    void launch(const TransferJob &job);
    void onRunnerFinished(TransferRunner *runner, const Status &result);
    void uploadFinished(const TransferJob &job);
    //! Sends a held message once every attachment of it is uploaded.
    Status releaseIfComplete(qint64 messageRowId);
    // --- media_resend.cpp: a message whose blobs the server no longer holds ---------------
    //! The server stored my message: its encrypted blobs and upload jobs go.
    void onMessageStored(const QString &clientMessageId);
    //! The server refused my message with NO_SUCH_BLOB: true when its files are uploaded again
    //! (the message held again); false when it fails (its attachments say why).
    bool takeBack(const QString &clientMessageId);
    //! Removes the upload jobs (and their encrypted blobs) of a message row.
    void dropUploadJobs(qint64 messageRowId);
    void setState(const Key &key, AttachmentRecord::Transfer state, quint64 transferred,
                  const QString &error = QString());
    //! Failed with the words for `error`, and transferFailed.
    void setFailed(const Key &key, const Error &error, bool upload);
    //! Emits transferChanged from the store's row (with the runner's live progress).
    void notify(const Key &key, bool force);
    void evict();
    //! Stops a runner or a queued job of this attachment; returns its job when there was one.
    void stopTransfer(const Key &key);
    //! Asks the server to drop a cancelled upload (DELETE), again after a transient failure.
    void dropUpload(const QString &uploadId, int attempt = 0);

    Storage *m_store;
    SyncEngine *m_sync;
    std::function<QUrl()> m_serverUrl;
    std::function<QString()> m_pin;
    Options m_options;
    AutoDownload m_auto;
    MediaFiles m_files;
    MediaTokens m_tokens;
    MediaHttp *m_http;
    QList<Key> m_queue;
    QHash<Key, TransferRunner *> m_runners;
    QHash<Key, QElapsedTimer> m_lastProgress;
    //! Declared last: destroyed first, after every runner was told to stop (~Media).
    QThreadPool m_pool;
};

} // namespace tidings::client
